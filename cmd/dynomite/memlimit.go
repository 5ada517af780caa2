package main

import (
	"os"
	"runtime/debug"
)

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT is
// not set. A proxy's heap is mostly replies in flight that die young; with
// the default GOGC alone a burst (a slow reader draining 1 MiB values) lets
// the heap double before the collector runs. The soft limit makes the
// collector work harder as the heap nears it, keeping RSS flat; it is not a
// cap, so a node that truly needs more still gets it.
const defaultMemoryLimit = 128 << 20

// applyMemoryLimit sets the soft memory limit unless the environment chose one.
func applyMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
