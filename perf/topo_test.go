package perf

import (
	"fmt"

	"github.com/dynomite-go/dynomite/replica"
	"github.com/dynomite-go/dynomite/ring"
)

// topo adapts a ring snapshot to replica.Topology, as the engine does.
type topo struct{ s *ring.Snapshot }

var _ replica.Topology = topo{}

func (t topo) DCs() int                           { return t.s.DCs() }
func (t topo) Racks(dc int) int                   { return t.s.Racks(dc) }
func (t topo) LocalDC() int                       { return t.s.LocalDC() }
func (t topo) LocalRack() int                     { return t.s.LocalRack() }
func (t topo) LocalNode() int                     { return t.s.Local() }
func (t topo) Nodes() int                         { return t.s.Nodes() }
func (t topo) Owner(dc, rack int, tok uint32) int { return t.s.Owner(dc, rack, tok) }
func (t topo) PreferredRack(dc int) int           { return t.s.RemoteRack(dc) }
func (t topo) NodeDC(node int) int {
	dc, _ := t.s.Place(node)
	return dc
}

// cluster builds one DC of racks racks with nodes nodes each, evenly spread
// tokens, this node being the first of rack1.
func cluster(racks, nodes int) *ring.Snapshot {
	var ns []ring.Node
	for r := range racks {
		for n := range nodes {
			ns = append(ns, ring.Node{
				Name:   fmt.Sprintf("r%dn%d", r+1, n+1),
				Addr:   fmt.Sprintf("127.0.0.1:%d", 8101+r*nodes+n),
				DC:     "dc1",
				Rack:   fmt.Sprintf("rack%d", r+1),
				Tokens: []uint32{uint32(uint64(n) * (1 << 32) / uint64(nodes))},
			})
		}
	}
	s, err := ring.New(ns, 0, ring.Murmur, "")
	if err != nil {
		panic("BUG: cannot build the benchmark ring: " + err.Error())
	}
	return s
}
