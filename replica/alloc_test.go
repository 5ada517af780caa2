//go:build !race

package replica

import "testing"

// TestRouteAndTrackAllocs pins the replica decision to zero allocations for plans
// that fit the stack arrays: 3 racks in each of 2 DCs.
func TestRouteAndTrackAllocs(t *testing.T) {
	topo := newFakeTopo("3,3")
	var p Plan
	var tr Tracker
	n := testing.AllocsPerRun(1000, func() {
		Route(topo, Request{Write: true, Level: DCSafeQuorum, Token: 12345}, &p)
		tr.Start(topo, &p)
		for i := range p.Targets {
			if tr.Step(i, Reply{Sum: 7}) != Pending {
				break
			}
		}
	})
	if n != 0 {
		t.Fatalf("unexpected allocations per request; got %v; want 0", n)
	}
}
