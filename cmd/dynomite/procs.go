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

// applyProcs sets GOMAXPROCS to the engine's poller count, and the engine
// then runs that many pollers, unless the environment set GOMAXPROCS: with
// every P running a poller none is idle, and an idle P makes each idle
// turn of a poller wake another thread (README, "GOMAXPROCS").
func applyProcs() {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	procs = engine.DefaultPollers()
	allProcs = runtime.GOMAXPROCS(procs)
}

// clusterProcs gives a node of a cluster (one with dyn_seeds) its CPUs
// back, keeping procs pollers, because with no idle P the runtime hands a
// poller's P to another thread at about every short wait of a replica
// (README, "GOMAXPROCS").
func clusterProcs(cfg *conf.Config) {
	if allProcs > procs && len(cfg.Pool.DynSeeds) > 0 {
		runtime.GOMAXPROCS(allProcs)
	}
}
