//go:build !race

package engine

import "testing"

// TestAllocsClusterReadRepairInactive: with read_repairs_enabled but the
// node's levels at DC_ONE, read repair stays inactive (spec §3.6) and the
// coordinator's steady state still allocates nothing, as with the flag
// off (TestAllocsClusterDCOneGET).
func TestAllocsClusterReadRepairInactive(t *testing.T) {
	cfg := threeRackRigConfig()
	cfg.Pool.ReadRepairsEnabled = true
	n, round := forwardRigWith(t, 16, Options{Config: cfg})
	if !n.ReadRepairs() || n.rt.ReadRepairOn() {
		t.Fatalf("unexpected read repair state; got flag %v, active %v; want flag true, active false", n.ReadRepairs(), n.rt.ReadRepairOn())
	}
	round()
	if allocs := testing.AllocsPerRun(1000, round); allocs != 0 {
		t.Fatalf("unexpected allocations per 16 pipelined GETs with read repair inactive; got %v; want 0", allocs)
	}
}
