package engine

import (
	"fmt"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/replica"
	"github.com/dynomite-go/dynomite/ring"
)

// Topology of a node: the ring snapshot built from the configuration (this
// node from dyn_listen, datacenter, rack and tokens; the others from
// dyn_seeds) and, for every other node, its outgoing peer connections.
//
// A *topology is immutable once published in Node.topo; the peers it points
// to live as long as the node. It implements replica.Topology on top of
// ring.Snapshot, so the coordinator sees racks and DCs as indexes.

// topology is one published view of the cluster.
type topology struct {
	*ring.Snapshot
	// solo: this node is the whole cluster, so every request goes to the
	// local datastore and the single-node path serves it unchanged.
	solo bool
	// peers[i] is node i's connections; nil for this node.
	peers []*peer
}

var _ replica.Topology = (*topology)(nil)

// LocalNode is this node's index (replica.Topology).
func (t *topology) LocalNode() int { return t.Local() }

// NodeDC returns the DC index of node i (replica.Topology).
func (t *topology) NodeDC(i int) int {
	dc, _ := t.Place(i)
	return dc
}

// PreferredRack returns the rack of remote DC dc this node replicates to
// (replica.Topology): the first of ring's RemoteRacks.
func (t *topology) PreferredRack(dc int) int { return t.RemoteRack(dc) }

// buildTopology makes the topology of cfg. Peers get their connection
// links but nothing is dialled.
func buildTopology(n *Node, p *conf.Pool) (*topology, error) {
	hash, err := ring.HashByName(orDefault(p.Hash, ring.DefaultHash))
	if err != nil {
		return nil, err
	}
	local := ring.Node{
		Name:   p.DynListen.String(),
		Addr:   p.DynListen.String(),
		DC:     orDefault(p.Datacenter, "localdc"),
		Rack:   orDefault(p.Rack, "localrack"),
		Tokens: p.Tokens,
	}
	if len(local.Tokens) == 0 {
		local.Tokens = []uint32{0}
	}
	nodes := []ring.Node{local}
	seeds := []int{-1} // seeds[i]: dyn_seeds index of node i
	for si, s := range p.DynSeeds {
		if !p.DynListen.IsZero() && s.Addr.String() == local.Addr {
			continue // this node listed among its own seeds
		}
		seeds = append(seeds, si)
		name := s.Name
		if name == "" {
			name = s.Addr.String()
		}
		nodes = append(nodes, ring.Node{Name: name, Addr: s.Addr.String(), DC: s.DC, Rack: s.Rack, Tokens: s.Tokens})
	}
	snap, err := ring.New(nodes, 0, hash, p.HashTag)
	if err != nil {
		return nil, fmt.Errorf("cannot build the ring: %w", err)
	}
	t := &topology{Snapshot: snap, solo: len(nodes) == 1, peers: make([]*peer, len(nodes))}
	for i := 1; i < len(nodes); i++ {
		t.peers[i] = newPeer(n, i, seeds[i], nodes[i].Name, p.DynSeeds[seeds[i]].Addr, snap.SameDC(i))
	}
	return t, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
