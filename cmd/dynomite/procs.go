package main

import (
	"os"
	"runtime"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine"
)

// procs is the engine's poller count chosen by applyProcs; 0 lets the
// engine choose. allProcs is GOMAXPROCS before applyProcs lowered it (0:
// the environment chose GOMAXPROCS and it is left alone).
var procs, allProcs int

// applyProcs sets GOMAXPROCS to the engine's poller count unless the
// environment chose GOMAXPROCS, and the engine then runs that many pollers.
// Every P then runs a poller, so none is idle. With an idle P, each time a
// poller finds no event ready it yields (runtime.Gosched in netpoll's wait
// loop) and the runtime wakes another thread for that P, which takes the
// poller goroutine over: two futex calls and a thread switch per idle
// transition, about one per request on an unpipelined connection (0.87
// futex calls per request with GOMAXPROCS 2 on 2 CPUs, 0.06 with 1).
// Measured on 2 CPUs (one poller), one unpipelined connection: 45 against
// 61 µs of node CPU per request in the same bench run, and +21 to +28
// against +42 to +56 µs of added p50; throughput with 50 clients unchanged.
func applyProcs() {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	procs = engine.DefaultPollers()
	allProcs = runtime.GOMAXPROCS(procs)
}

// clusterProcs gives a node of a cluster (one with dyn_seeds) its CPUs
// back, keeping procs pollers. A node with peers spends much of its time
// between short waits (a replica's copies arrive one by one); with its
// only P blocked in netpoll's epoll_wait the runtime's monitor takes the
// P away after a tick and wakes a spinning thread, about once per wait: a
// replica under the 1:10 mix through 3 racks made 8,392 nanosleep and
// 5,261 futex calls beside 7,614 epoll_wait, 4,619 readv and 4,607 write
// in 2 s. With an idle P left that hand-off does not happen. Measured on 2
// CPUs, 3 racks x 1 node, make bench's workloads in one run each (ratios
// to Redis direct in the same run), GOMAXPROCS 2 against 1: DC_ONE mix
// 0.63 against 0.53-0.54, DC_QUORUM mix 0.54 against 0.47-0.48, pipelined
// 0.49 / 0.28 against 0.45 / 0.25; added p50 on one connection unchanged
// (+63 / +94 against +50-59 / +95-98 µs).
func clusterProcs(cfg *conf.Config) {
	if allProcs > procs && len(cfg.Pool.DynSeeds) > 0 {
		runtime.GOMAXPROCS(allProcs)
	}
}
