//go:build !race

package engine

import "testing"

// TestAllocsClusterDCOneGET pins the coordinator's steady state to zero
// allocations: 16 pipelined DC_ONE GETs through a node of a 3-rack
// cluster (each routed, tracked and answered through a fanout, its copy
// queued on the local datastore), replies matched and written back. The
// peers are never dialled; a DC_ONE read needs none.
func TestAllocsClusterDCOneGET(t *testing.T) {
	n, round := forwardRigWith(t, 16, Options{Config: threeRackRigConfig()})
	if n.cluster.topo.Load().Solo {
		t.Fatal("unexpected single-node topology for a 3-rack configuration")
	}
	round()
	if allocs := testing.AllocsPerRun(1000, round); allocs != 0 {
		t.Fatalf("unexpected allocations per 16 pipelined DC_ONE GETs through a 3-rack node; got %v; want 0", allocs)
	}
	if got := n.env.Inflight.Load(); got != 0 {
		t.Fatalf("unexpected msgs left in flight; got %d; want 0", got)
	}
}
