package cluster

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
// A *Topology is immutable once published; a new ring publishes a new
// one (Live.Swap, live.go), which carries over the peers
// and detector states of the nodes it keeps. A request keeps the topology
// it loaded until it is answered. It implements replica.Topology on top
// of ring.Snapshot, so the coordinator sees racks and DCs as indexes.

// Topology is one published view of the cluster.
type Topology struct {
	*ring.Snapshot
	// solo: this node is the whole cluster, so every request goes to the
	// local datastore and the single-node path serves it unchanged.
	Solo bool
	// Peers[i] is node i's connections; nil for this node.
	Peers []*Peer
	// Det judges every node of the snapshot, by index (Allow).
	Det *membership.Detector
}

var _ replica.Topology = (*Topology)(nil)

// LocalNode is this node's index (replica.Topology).
func (t *Topology) LocalNode() int { return t.Local() }

// NodeDC returns the DC index of node i (replica.Topology).
func (t *Topology) NodeDC(i int) int {
	dc, _ := t.Place(i)
	return dc
}

// PreferredRack returns the rack of remote DC dc this node replicates to
// (replica.Topology): the first of ring's RemoteRacks.
func (t *Topology) PreferredRack(dc int) int { return t.RemoteRack(dc) }

// Allow reports whether a copy of a request may go to node now: one atomic
// load while the node is UP, and no allocation. A DOWN node is let through
// once per server_retry_timeout (a probe); clock is read only then.
func (t *Topology) Allow(node int, e *core.Env) bool {
	if t.Det.Up(node) {
		return true
	}
	return t.Det.Allow(node, e.Clock())
}

// Replied records a good reply of node: a DOWN node comes back UP and its
// failure count restarts. It costs one atomic load while nothing failed.
func (t *Topology) Replied(node int) {
	if node < 0 || node >= t.Det.Len() {
		return
	}
	if t.Det.Failures(node) != 0 || !t.Det.Up(node) {
		t.Det.Success(node)
	}
}

// PeerByAddr returns the peer whose address is addr, or nil.
func (t *Topology) PeerByAddr(addr string) *Peer {
	for _, p := range t.Peers {
		if p != nil && p.Addr == addr {
			return p
		}
	}
	return nil
}

// DetectorConfig is the failure detector's part of the pool.
func DetectorConfig(p *conf.Pool) membership.DetectorConfig {
	return membership.DetectorConfig{
		AutoEject:    p.AutoEjectHosts,
		FailureLimit: p.ServerFailureLimit,
		RetryTimeout: p.ServerRetryTimeout,
	}
}

// LocalRingNode is this node's ring entry.
func LocalRingNode(p *conf.Pool) ring.Node {
	local := ring.Node{
		Name:   p.DynListen.String(),
		Addr:   p.DynListen.String(),
		DC:     OrDefault(p.Datacenter, "localdc"),
		Rack:   OrDefault(p.Rack, "localrack"),
		Tokens: p.Tokens,
	}
	if len(local.Tokens) == 0 {
		local.Tokens = []uint32{0}
	}
	return local
}

// NewPeerFunc makes the peer of node idx of a new topology (its dyn_seeds
// index seed, -1 for none); nothing is dialled.
type NewPeerFunc func(idx, seed int, name, network, addr string, sameDC bool) *Peer

// Build makes the topology of p. Peers get their connection links
// (newPeer) but nothing is dialled. With provided set (a seed provider
// other than the simple one), the ring starts with this node alone; the
// provider's first list replaces it.
func Build(p *conf.Pool, provided bool, newPeer NewPeerFunc) (*Topology, error) {
	hash, err := ring.HashByName(OrDefault(p.Hash, ring.DefaultHash))
	if err != nil {
		return nil, err
	}
	local := LocalRingNode(p)
	nodes := []ring.Node{local}
	seeds := []int{-1} // seeds[i]: dyn_seeds index of node i
	if !provided {
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
	t := &Topology{Snapshot: snap, Solo: len(nodes) == 1, Peers: make([]*Peer, len(nodes))}
	names := make([]string, len(nodes))
	for i := range nodes {
		names[i] = nodes[i].Addr
	}
	t.Det = membership.NewDetector(DetectorConfig(p), names)
	for i := 1; i < len(nodes); i++ {
		a := p.DynSeeds[seeds[i]].Addr
		t.Peers[i] = newPeer(i, seeds[i], nodes[i].Name, OrDefault(a.Network, "tcp"), a.String(), snap.SameDC(i))
	}
	return t, nil
}

// PeerHost is the host part of a peer address, the name /peer/<op>/<name>
// matches.
func PeerHost(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// PeerPort is the port of a peer address; 0 when it has none.
func PeerPort(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	v, _ := strconv.Atoi(p)
	return v
}

// OrDefault is s, or def when s is empty.
func OrDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
