package engine

import (
	"fmt"
	"net"
	"strconv"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/replica"
	"github.com/dynomite-go/dynomite/ring"
)

// Topology of a node: the ring snapshot (this node from dyn_listen,
// datacenter, rack and tokens; the others from dyn_seeds or the seed
// provider), for every other node its outgoing peer connections, and the
// failure detector's view of every node (this node's entry stands for its
// datastore).
//
// A *topology is immutable once published in Node.topo; a new ring
// publishes a new one (membership_node.go), which carries over the peers
// and detector states of the nodes it keeps. A request keeps the topology
// it loaded until it is answered. It implements replica.Topology on top
// of ring.Snapshot, so the coordinator sees racks and DCs as indexes.

// topology is one published view of the cluster.
type topology struct {
	*ring.Snapshot
	// solo: this node is the whole cluster, so every request goes to the
	// local datastore and the single-node path serves it unchanged.
	solo bool
	// peers[i] is node i's connections; nil for this node.
	peers []*peer
	// det judges every node of the snapshot, by index (allow).
	det *membership.Detector
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

// allow reports whether a copy of a request may go to node now: one atomic
// load while the node is UP, and no allocation. A DOWN node is let through
// once per server_retry_timeout (a probe); clock is read only then.
func (t *topology) allow(node int, e *core.Env) bool {
	if t.det.Up(node) {
		return true
	}
	return t.det.Allow(node, e.Clock())
}

// replied records a good reply of node: a DOWN node comes back UP and its
// failure count restarts. It costs one atomic load while nothing failed.
func (t *topology) replied(node int) {
	if node < 0 || node >= t.det.Len() {
		return
	}
	if t.det.Failures(node) != 0 || !t.det.Up(node) {
		t.det.Success(node)
	}
}

// detectorConfig is the failure detector's part of the pool.
func detectorConfig(p *conf.Pool) membership.DetectorConfig {
	return membership.DetectorConfig{
		AutoEject:    p.AutoEjectHosts,
		FailureLimit: p.ServerFailureLimit,
		RetryTimeout: p.ServerRetryTimeout,
	}
}

// localRingNode is this node's ring entry.
func localRingNode(p *conf.Pool) ring.Node {
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
	return local
}

// buildTopology makes the topology of cfg. Peers get their connection
// links but nothing is dialled. With a seed provider other than the
// simple one, the ring starts with this node alone; the provider's first
// list replaces it (membership_node.go).
func buildTopology(n *Node, p *conf.Pool) (*topology, error) {
	hash, err := ring.HashByName(orDefault(p.Hash, ring.DefaultHash))
	if err != nil {
		return nil, err
	}
	local := localRingNode(p)
	nodes := []ring.Node{local}
	seeds := []int{-1} // seeds[i]: dyn_seeds index of node i
	if !n.cluster.mem.provided {
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
	}
	snap, err := ring.New(nodes, 0, hash, p.HashTag)
	if err != nil {
		return nil, fmt.Errorf("cannot build the ring: %w", err)
	}
	t := &topology{Snapshot: snap, solo: len(nodes) == 1, peers: make([]*peer, len(nodes))}
	names := make([]string, len(nodes))
	for i := range nodes {
		names[i] = nodes[i].Addr
	}
	t.det = membership.NewDetector(detectorConfig(p), names)
	for i := 1; i < len(nodes); i++ {
		a := p.DynSeeds[seeds[i]].Addr
		t.peers[i] = newPeer(n, i, seeds[i], nodes[i].Name, orDefault(a.Network, "tcp"), a.String(), snap.SameDC(i))
	}
	return t, nil
}

// peerHost is the host part of a peer address, the name /peer/<op>/<name>
// matches.
func peerHost(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// peerPort is the port of a peer address; 0 when it has none.
func peerPort(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	v, _ := strconv.Atoi(p)
	return v
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
