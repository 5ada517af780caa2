package admin

import "testing"

// TestTopologyAdd places servers by datacenter and rack, keeping the order
// in which each datacenter, rack and server first came.
func TestTopologyAdd(t *testing.T) {
	var top Topology
	top.Add("dc1", "r1", Peer{Name: "a"})
	top.Add("dc2", "r1", Peer{Name: "b"})
	top.Add("dc1", "r2", Peer{Name: "c"})
	top.Add("dc1", "r1", Peer{Name: "d"})
	f := func(dc, rack int, wantDC, wantRack string, want ...string) {
		t.Helper()
		d := top.DCs[dc]
		r := d.Racks[rack]
		if d.Name != wantDC || r.Name != wantRack || len(r.Servers) != len(want) {
			t.Fatalf("unexpected rack %d of DC %d; got %s/%s %v; want %s/%s %v", rack, dc, d.Name, r.Name, r.Servers, wantDC, wantRack, want)
		}
		for i, w := range want {
			if r.Servers[i].Name != w {
				t.Fatalf("unexpected server %d of %s/%s; got %q; want %q", i, wantDC, wantRack, r.Servers[i].Name, w)
			}
		}
	}
	if len(top.DCs) != 2 || len(top.DCs[0].Racks) != 2 || len(top.DCs[1].Racks) != 1 {
		t.Fatalf("unexpected layout; got %+v", top)
	}
	f(0, 0, "dc1", "r1", "a", "d")
	f(0, 1, "dc1", "r2", "c")
	f(1, 0, "dc2", "r1", "b")
}
