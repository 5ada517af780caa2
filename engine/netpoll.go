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

// netpollOnce guards netpoll's configuration, which is process-wide in
// netpoll itself and must be set before its first connection.
var netpollOnce sync.Once

// netpollPollers is the poller count the first configureNetpoll chose.
var netpollPollers int

// configureNetpoll sets the number of pollers (want, or pollers() when
// want is 0), the first read buffer of every connection (mbuf bytes;
// netpoll grows it on its own while reads fill it) and an inline runner:
// callbacks run on the poller goroutine, no hop to a goroutine pool.
// Handlers must therefore never block (doc.go). Only the first call in a
// process has an effect.
func configureNetpoll(want, mbuf int) {
	netpollOnce.Do(func() {
		if want <= 0 {
			want = pollers()
		}
		netpollPollers = want
		_ = netpoll.Configure(netpoll.Config{
			PollerNum:   want,
			BufferSize:  mbuf,
			Runner:      func(_ context.Context, f func()) { f() },
			LoadBalance: netpoll.RoundRobin,
		})
	})
}

// pollers is the default poller count: half the CPUs the process may use
// (GOMAXPROCS, bounded by the logical cores cpuid reports), at least one.
//
// Why half and not one per CPU: a request whose client and datastore
// connections sit on different pollers wakes two threads instead of one.
// On the 2-CPU machine the engine was measured on, with the datastore and
// the load generator on the same CPUs, one poller cost 12 to 14 µs of CPU
// per unpipelined request against 18 to 24 µs with two, and 1.0 against
// 1.6 µs pipelined, with equal or better throughput (doc.go, "Measured").
// The other half of the CPUs is left to the datastore, which on one host
// needs them as much as the proxy does. Options.Pollers overrides it.
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
