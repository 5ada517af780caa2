// Package bufpool is a node's pool of byte buffers: a bytebufferpool.Pool
// of the node's own, so that its size calibration (which sizes new buffers
// and drops the largest 5 % on return) follows that node's traffic only,
// with a count of the buffers taken and not returned (alloc_mbufs and
// free_mbufs of /info).
//
// Every connection, msg, fanout and multi of a node takes its buffers from
// the node's Pool and returns them there; a buffer never moves to another
// node's pool.
//
// In a build with the nostats tag nothing is counted: Get and Put cost only
// the pool, and InUse is always 0.
//
// Imports: only the standard library, bytebufferpool and x/sys/cpu (the
// cache line size). It must not import anything of dynomite-go.
//
// Concurrency: Get, Put and InUse may be called from any goroutine at any
// time. The count is an atomic on a cache line of its own, so that pollers
// taking and returning buffers do not slow down writers of the data around
// the pool.
package bufpool

import (
	"sync/atomic"

	"github.com/valyala/bytebufferpool"
	"golang.org/x/sys/cpu"
)

// Pool is a buffer pool with an in-use count. The zero value is ready to
// use. A Pool must not be copied once used.
type Pool struct {
	pool bytebufferpool.Pool
	_    cpu.CacheLinePad
	// inUse counts the buffers taken and not returned, in a build without
	// the nostats tag.
	inUse atomic.Int64
	_     cpu.CacheLinePad
}

// Get returns an empty buffer of the pool. The caller owns it until it
// gives it to Put.
func (p *Pool) Get() *bytebufferpool.ByteBuffer {
	if counting {
		p.inUse.Add(1)
	}
	return p.pool.Get()
}

// Put returns b to the pool; nil is ignored. b must not be used afterwards.
// The pool's calibration drops buffers that grew far past the usual size
// (a 16 MiB value), so that one large value does not pin memory.
func (p *Pool) Put(b *bytebufferpool.ByteBuffer) {
	if b != nil {
		if counting {
			p.inUse.Add(-1)
		}
		p.pool.Put(b) // Put calibrates on len(b.B): do not truncate first
	}
}

// InUse is the number of buffers taken and not returned, never negative (0
// in a build with the nostats tag). While other goroutines take and return
// buffers it is a moment's value.
func (p *Pool) InUse() int64 { return max(p.inUse.Load(), 0) }
