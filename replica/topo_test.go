package replica

import (
	"fmt"
	"strconv"
	"strings"
)

// fakeTopo is a Topology of DCs made of racks of nodes with evenly spaced tokens.
// Node names read dc<d>r<r>n<n>; the local node is the first node of rack 0 of DC 0
// unless local says otherwise.
type fakeTopo struct {
	racks    [][]int // racks[dc][rack] = nodes per rack
	first    [][]int // index of the rack's first node
	dcOf     []int
	local    int
	localDC  int
	localRak int
	nodes    int
}

// newFakeTopo parses "3,2" (DC 0 with 3 racks, DC 1 with 2, one node each) or
// "2x2,1" (DC 0 with 2 racks of 2 nodes, DC 1 with 1 rack of 1 node).
func newFakeTopo(spec string) *fakeTopo {
	t := &fakeTopo{}
	for d, part := range strings.Split(spec, ",") {
		racks, per := part, "1"
		if i := strings.IndexByte(part, 'x'); i >= 0 {
			racks, per = part[:i], part[i+1:]
		}
		nr, _ := strconv.Atoi(racks)
		np, _ := strconv.Atoi(per)
		var rs, fs []int
		for r := 0; r < nr; r++ {
			rs = append(rs, np)
			fs = append(fs, t.nodes)
			for n := 0; n < np; n++ {
				t.dcOf = append(t.dcOf, d)
			}
			t.nodes += np
		}
		t.racks = append(t.racks, rs)
		t.first = append(t.first, fs)
	}
	return t
}

func (t *fakeTopo) DCs() int            { return len(t.racks) }
func (t *fakeTopo) Racks(dc int) int    { return len(t.racks[dc]) }
func (t *fakeTopo) LocalDC() int        { return t.localDC }
func (t *fakeTopo) LocalRack() int      { return t.localRak }
func (t *fakeTopo) LocalNode() int      { return t.local }
func (t *fakeTopo) Nodes() int          { return t.nodes }
func (t *fakeTopo) NodeDC(node int) int { return t.dcOf[node] }
func (t *fakeTopo) PreferredRack(dc int) int {
	return t.localRak % len(t.racks[dc])
}

// Owner: node k of n in a rack has token k*2^32/n; the owner is the smallest token
// >= the key's token, wrapping to node 0.
func (t *fakeTopo) Owner(dc, rack int, token uint32) int {
	n := t.racks[dc][rack]
	for k := 0; k < n; k++ {
		if uint64(token) <= uint64(k)<<32/uint64(n) {
			return t.first[dc][rack] + k
		}
	}
	return t.first[dc][rack]
}

func (t *fakeTopo) name(node int) string {
	dc := t.dcOf[node]
	for r, f := range t.first[dc] {
		if node >= f && node < f+t.racks[dc][r] {
			return fmt.Sprintf("dc%dr%dn%d", dc, r, node-f)
		}
	}
	return "?"
}
