package engine

import (
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/klauspost/cpuid/v2"

	"github.com/dynomite-go/dynomite/engine/core"
)

// The node's part of netpoll's setup: how many pollers it asks for, and
// the CPU's cache line for counters that pollers share. Configuring
// netpoll is sock.ConfigureNetpoll.

// pollers is the default poller count: half the CPUs the process may use
// (GOMAXPROCS, bounded by the logical cores cpuid reports), at least one.
// Half, not one per CPU: a request whose client and datastore connections
// sit on different pollers wakes two threads instead of one, and the
// datastore on the same host needs the other half (README, "Pollers").
// Options.Pollers overrides it.
func pollers() int {
	return max(core.Cores(runtime.GOMAXPROCS(0))/2, 1)
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
