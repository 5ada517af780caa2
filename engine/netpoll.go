package engine

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/cloudwego/netpoll"
	"github.com/klauspost/cpuid/v2"
)

// pollConfig is the netpoll configuration a node runs under (Node.poll).
type pollConfig struct {
	pollers    int // poller goroutines
	bufferSize int // first read buffer of every connection, bytes
}

// netpollSetup is the netpoll configuration of the process. netpoll keeps
// its configuration in package state and applies it before its first
// connection, so it cannot differ between nodes of one process: the first
// New configures netpoll, and every node records the configuration it
// actually runs under (Node.poll), whatever its Options asked for. This
// once, the mirror of netpoll's own package state, is the only mutable
// package-level state of the engine.
var netpollSetup struct {
	once sync.Once
	cfg  pollConfig
}

// configureNetpoll configures netpoll on the first call of the process and
// returns the configuration in effect; later calls change nothing and
// return the first one. want.pollers 0 picks pollers(). netpoll gets that
// many pollers, a first read buffer of want.bufferSize bytes (it grows
// the buffer on its own while reads fill it) and an inline runner:
// callbacks run on the poller goroutine, no hop to a goroutine pool, so
// handlers must never block (doc.go).
func configureNetpoll(want pollConfig) pollConfig {
	netpollSetup.once.Do(func() {
		if want.pollers <= 0 {
			want.pollers = pollers()
		}
		netpollSetup.cfg = want
		_ = netpoll.Configure(netpoll.Config{
			PollerNum:   want.pollers,
			BufferSize:  want.bufferSize,
			Runner:      func(_ context.Context, f func()) { f() },
			LoadBalance: netpoll.RoundRobin,
		})
	})
	return netpollSetup.cfg
}

// pollers is the default poller count: half the CPUs the process may use
// (GOMAXPROCS, bounded by the logical cores cpuid reports), at least one.
// Half, not one per CPU: a request whose client and datastore connections
// sit on different pollers wakes two threads instead of one, and the
// datastore on the same host needs the other half (README, "Pollers").
// Options.Pollers overrides it.
func pollers() int {
	return max(cores(runtime.GOMAXPROCS(0))/2, 1)
}

// cores bounds a CPU count by the logical cores cpuid reports, when it
// reports any.
func cores(n int) int {
	if c := cpuid.CPU.LogicalCores; c > 0 && c < n {
		return c
	}
	return n
}

// DefaultPollers is the poller count a Node uses when Options.Pollers is 0,
// computed from the current GOMAXPROCS.
func DefaultPollers() int { return pollers() }

// cacheLine is the CPU's cache line size (64 when undetectable).
func cacheLine() int {
	if l := cpuid.CPU.CacheLine; l > 0 {
		return l
	}
	return 64
}

// paddedCounter returns a counter alone on its cache line: it sits in the
// middle of an allocation one line larger on each side, so writes by
// different CPUs to nearby data do not invalidate it.
func paddedCounter() *atomic.Int64 {
	per := cacheLine() / int(unsafe.Sizeof(atomic.Int64{}))
	block := make([]atomic.Int64, 2*per+1)
	return &block[per]
}
