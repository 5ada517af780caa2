package engine

import (
	"sync/atomic"

	"github.com/valyala/bytebufferpool"
)

// bufPool is a node's buffer pool: a bytebufferpool.Pool of the node's own,
// so its size calibration (which sizes new buffers and drops the largest
// 5 % on return) follows that node's traffic only, and a counter of the
// buffers taken and not returned (alloc_mbufs and free_mbufs of /info,
// stats_source.go). Every conn, msg, fanout and multi takes its buffers
// from the pool of the node it belongs to and returns them there.
//
// get and put may be called from any goroutine. A bufPool must not be
// copied once used.
type bufPool struct {
	pool bytebufferpool.Pool
	// inUse counts the buffers taken and not returned, in a build without
	// the nostats tag; on a cache line of its own.
	inUse *atomic.Int64
}

// init readies an empty pool; New calls it once.
func (p *bufPool) init() { p.inUse = paddedCounter() }

// get returns an empty pooled buffer.
func (p *bufPool) get() *bytebufferpool.ByteBuffer {
	if !statsBuiltOff {
		p.inUse.Add(1)
	}
	return p.pool.Get()
}

// put returns a buffer to the pool; nil is ignored. b must not be used
// afterwards. The pool's calibration drops buffers that grew far past the
// usual size (a 16 MiB value), so one large value does not pin memory.
func (p *bufPool) put(b *bytebufferpool.ByteBuffer) {
	if b != nil {
		if !statsBuiltOff {
			p.inUse.Add(-1)
		}
		p.pool.Put(b) // Put calibrates on len(b.B): do not truncate first
	}
}

// inUseNow is the number of buffers taken and not returned (0 in a build
// with the nostats tag).
func (p *bufPool) inUseNow() int64 { return max(p.inUse.Load(), 0) }
