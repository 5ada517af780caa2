package ring_test

import (
	"fmt"
	"testing"

	"github.com/dynomite-go/dynomite/ring"
)

func TestCompare(t *testing.T) {
	n := func(addr, rack string, tokens ...uint32) ring.Node {
		return ring.Node{Name: addr, Addr: addr, DC: "dc1", Rack: rack, Tokens: tokens}
	}
	self := n("10.0.0.1:8101", "r1", 0)
	a := n("10.0.0.2:8101", "r1", 100)
	b := n("10.0.0.3:8101", "r2", 0)
	c := n("10.0.0.4:8101", "r3", 0)
	cNew := n("10.0.0.9:8101", "r3", 0)
	aMoved := n("10.0.0.2:8101", "r1", 200)
	multi := n("10.0.0.5:8101", "r4", 5, 1)
	multiNew := n("10.0.0.6:8101", "r4", 1, 5)
	cases := []struct {
		name     string
		old, new []ring.Node // nil old: no old snapshot
		want     string
	}{
		{"same", []ring.Node{self, a, b}, []ring.Node{self, a, b}, "added [] removed [] readdressed [] kept [{1 1} {2 2}]"},
		{"no old snapshot", nil, []ring.Node{self, a, b}, "added [1 2] removed [] readdressed [] kept []"},
		{"one added, indexes shift", []ring.Node{self, b}, []ring.Node{self, a, b}, "added [1] removed [] readdressed [] kept [{1 2}]"},
		{"one removed", []ring.Node{self, a, b, c}, []ring.Node{self, a, c}, "added [] removed [2] readdressed [] kept [{1 1} {3 2}]"},
		{"replaced at a new address, same token", []ring.Node{self, a, b, c}, []ring.Node{self, a, b, cNew}, "added [] removed [] readdressed [{3 3}] kept [{1 1} {2 2}]"},
		{"same address, new token: kept", []ring.Node{self, a}, []ring.Node{self, aMoved}, "added [] removed [] readdressed [] kept [{1 1}]"},
		{"token sets compare unordered", []ring.Node{self, multi}, []ring.Node{self, multiNew}, "added [] removed [] readdressed [{1 1}] kept []"},
		{"new address at a new position: removed and added", []ring.Node{self, c}, []ring.Node{self, n("10.0.0.9:8101", "r3", 7)}, "added [1] removed [1] readdressed [] kept []"},
		{"local node moves index, never listed", []ring.Node{self, a}, []ring.Node{a, self}, "added [] removed [] readdressed [] kept [{1 0}]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var old *ring.Snapshot
			if tc.old != nil {
				old = mustNew(t, tc.old, 0)
			}
			local := 0
			for i, x := range tc.new {
				if x.Addr == self.Addr {
					local = i
				}
			}
			d := ring.Compare(old, mustNew(t, tc.new, local))
			got := fmt.Sprintf("added %v removed %v readdressed %v kept %v", d.Added, d.Removed, d.Readdressed, d.Kept)
			if got != tc.want {
				t.Errorf("unexpected diff\ngot  %s\nwant %s", got, tc.want)
			}
			if d.Empty() != (tc.name == "same" || tc.name == "same address, new token: kept") {
				t.Errorf("unexpected Empty %v", d.Empty())
			}
		})
	}
	if d := ring.Compare(mustNew(t, []ring.Node{self, a}, 0), nil); fmt.Sprint(d.Removed) != "[1]" {
		t.Errorf("unexpected diff to nil: %+v", d)
	}
}
