package main

import (
	"runtime"
	"testing"

	"github.com/dynomite-go/dynomite/conf"
)

// clusterProcs gives a node with dyn_seeds its CPUs back and leaves a
// single node, or a GOMAXPROCS the environment chose, alone.
func TestClusterProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(p, a int) { procs, allProcs = p, a }(procs, allProcs)
	for _, tc := range []struct {
		name        string
		procs, all  int
		seeds, want int
	}{
		{"single node", 1, 4, 0, 1},
		{"cluster", 1, 4, 1, 4},
		{"environment chose", 0, 0, 1, 1},
	} {
		procs, allProcs = tc.procs, tc.all
		runtime.GOMAXPROCS(1)
		cfg := &conf.Config{}
		cfg.Pool.DynSeeds = make([]conf.Seed, tc.seeds)
		clusterProcs(cfg)
		if got := runtime.GOMAXPROCS(0); got != tc.want {
			t.Fatalf("%s: unexpected GOMAXPROCS; got %d; want %d", tc.name, got, tc.want)
		}
	}
}
