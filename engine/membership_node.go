package engine

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/cluster"
	"github.com/dynomite-go/dynomite/engine/inbound"
	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/gossip"
)

// Membership of a running node: the live topology and what changes it
// (ring swaps, the seed provider, gossip) are engine/cluster's Live; the
// node supplies the peers of a new ring (ringPeer) and the failure
// detector's inputs:
//
//	peer link lost, dial failed ──nodeFailed──▶ Detector.Failure ─▶ DOWN after
//	good reply of a node ──topology.replied──▶ Detector.Success    server_failure_limit
//	request path ──topology.allow (one atomic load)──▶ a DOWN node gets no copy
//	                                                   until server_retry_timeout
//	/peer/down, /peer/up, /peer/reset ──setPeerState──▶ Detector, links
//
// The local node's detector entry stands for its datastore: its links'
// losses and failed dials count, and while it is DOWN the coordinator
// routes around it as around a DOWN peer.
//
// A node whose dyn_seed_provider is florida_provider or dns_provider
// stays JOINING (every request is answered "Dynomite's current state does
// not allow this request") until the provider's first usable list.

// MembershipOptions tune how a node finds its peers; the zero value is
// C Dynomite's behaviour.
type MembershipOptions struct {
	// SeedInterval is the seed provider's poll period; 0 is 30 s.
	SeedInterval time.Duration
	// HTTPClient is florida_provider's client; nil is a plain one.
	HTTPClient *http.Client
	// Resolver is dns_provider's resolver; nil is net.DefaultResolver.
	Resolver *net.Resolver
	// RetireAfter is how long the connections of a node removed from the
	// ring stay open for the requests routed before the change; 0 is the
	// request timeout plus one second.
	RetireAfter time.Duration
}

// initMembership sets up the live topology's changes; called by
// initCluster before the first topology is built.
func (n *Node) initMembership(o MembershipOptions) {
	l := &n.cluster.live
	retire := o.RetireAfter
	if retire <= 0 {
		retire = n.timeout + time.Second
	}
	l.Init(cluster.LiveEnv{
		Topo: &n.cluster.topo, Pool: &n.cfg.Pool, Log: n.log, Peer: n.ringPeer, Normal: n.enterNormal,
		Getenv: n.adm.getenv, Clock: n.clock, SeedInterval: o.SeedInterval,
		HTTPClient: o.HTTPClient, Resolver: o.Resolver, RetireAfter: retire,
	})
	if l.Provided() {
		n.adm.state.Store(uint32(admin.Init)) // JOINING from Start until the first list
	}
	if l.Gossips() {
		n.in.Gossip = func(c *inbound.Conn, payload []byte) { l.GossipIn(c.NC.RemoteAddr().String(), payload) }
	}
	for _, lk := range n.links {
		lk.Connected = func() {
			t := n.cluster.topo.Load()
			switch {
			case lk.Cur.Load() == nil:
				n.localFailed()
			case t != nil:
				t.Det.Reconnected(t.Local())
			}
		}
		lk.DialFailed = n.localFailed
	}
}

// ringPeer makes the peer of node i of snap, a new ring
// (cluster.LiveEnv.Peer): its links, secured as secure_server_option says.
func (n *Node) ringPeer(snap *ring.Snapshot, i int) *peer {
	nd := snap.Node(i)
	p := newPeer(n, i, n.seedIndex(nd.Addr), nd.Name, "tcp", nd.Addr, snap.SameDC(i))
	n.securePeer(snap, i, p)
	return p
}

// enterNormal moves the node from INIT or JOINING to NORMAL
// (cluster.LiveEnv.Normal): its seed provider gave its first list, or
// gossip heard from the cluster.
func (n *Node) enterNormal() {
	n.adm.state.CompareAndSwap(uint32(admin.Joining), uint32(admin.Normal))
	n.adm.state.CompareAndSwap(uint32(admin.Init), uint32(admin.Normal))
}

// Gossiper returns the node's Gossiper, nil when gossip is off or the
// node is not started.
func (n *Node) Gossiper() *membership.Gossiper { return n.cluster.live.Gossiper() }

// seedIndex is the dyn_seeds index of the peer at addr, or -1.
func (n *Node) seedIndex(addr string) int {
	for i, s := range n.adm.seeds {
		if s.Addr.String() == addr {
			return i
		}
	}
	return -1
}

// nodeFailed reports a failure of p's connections to the detector of the
// newest topology that holds p.
func (n *Node) nodeFailed(p *peer) {
	t := n.cluster.topo.Load()
	i := int(p.Node.Load())
	if t == nil || i < 0 || i >= len(t.Peers) || t.Peers[i] != p {
		return
	}
	if t.Det.Failure(i, n.env.Clock()) {
		n.log.Warn("peer is DOWN", "peer", p.Addr, "failures", t.Det.Failures(i))
	}
}

// nodeReconnected lets a probe go to p at once when it is DOWN: one of
// its connections came up.
func (n *Node) nodeReconnected(p *peer) {
	t := n.cluster.topo.Load()
	i := int(p.Node.Load())
	if t != nil && i >= 0 && i < len(t.Peers) && t.Peers[i] == p {
		t.Det.Reconnected(i)
	}
}

// localFailed reports a failure of the local datastore's connections.
func (n *Node) localFailed() {
	t := n.cluster.topo.Load()
	if t == nil {
		return
	}
	if t.Det.Failure(t.Local(), n.env.Clock()) {
		n.log.Warn("datastore is DOWN for routing", "server", n.links[0].Addr)
	}
}

// setPeerState applies /peer/<up|down|reset>/<name> (admin.SetPeerState)
// to every peer of the live ring whose host is name, or to every peer for
// admin.AllPeers: Down marks it DOWN for routing (it gets no request until
// server_retry_timeout, then a probe), Normal marks it UP, Reset marks it
// UP and closes its connections, which reconnect. It returns how many
// peers it changed.
func (n *Node) setPeerState(name string, s admin.State) int {
	t := n.cluster.topo.Load()
	changed := 0
	for i, p := range t.Peers {
		if p == nil || (name != admin.AllPeers && name != cluster.PeerHost(p.Addr) && name != p.Name) {
			continue
		}
		changed++
		switch s {
		case admin.Down:
			t.Det.Gossip(i, gossip.Down, n.env.Clock())
		case admin.Reset:
			t.Det.Success(i)
			p.Resetting.Store(true)
			for _, lk := range p.Links {
				if c := lk.Cur.Load(); c != nil {
					c.CloseLater()
				}
			}
		default:
			t.Det.Success(i)
		}
		if p.Seed >= 0 && p.Seed < len(n.adm.peerState) {
			n.adm.peerState[p.Seed].Store(uint32(s))
		}
	}
	if changed > 0 {
		n.log.Info("peer state set", slog.String("peer", name), slog.String("state", s.String()))
	}
	return changed
}

// liveTopology describes the live ring for /cluster_describe: this node
// first, then every peer. A dyn_seeds peer shows the state its links and
// /peer/... set (docs/compat.md §9.3); a peer from a provider shows NORMAL
// while a connection is up. Either shows DOWN while the failure detector
// says so.
func (n *Node) liveTopology() admin.Topology {
	var at admin.Topology
	p := &n.cfg.Pool
	at.Add(p.Datacenter, p.Rack, n.localPeer())
	t := n.cluster.topo.Load()
	for i, pr := range t.Peers {
		if pr == nil {
			continue
		}
		nd := t.Node(i)
		st := admin.Down
		switch {
		case !t.Det.Up(i):
		case pr.Seed >= 0 && pr.Seed < len(n.adm.peerState):
			st = admin.State(n.adm.peerState[pr.Seed].Load())
		case pr.Up():
			st = admin.Normal
		}
		at.Add(nd.DC, nd.Rack, admin.Peer{
			Name: cluster.PeerHost(pr.Addr), Host: cluster.PeerHost(pr.Addr), Port: cluster.PeerPort(pr.Addr),
			Token: firstToken(nd.Tokens), State: st,
		})
	}
	return at
}

var _ admin.MembershipReporter = (*Node)(nil)

// MembershipStats returns the seed provider, ring swap, gossip and
// conn_msg_rate counters (admin.MembershipReporter).
func (n *Node) MembershipStats() admin.MembershipStats {
	l := &n.cluster.live
	out := admin.MembershipStats{RingSwaps: l.Swaps()}
	if poller := l.Poller(); poller != nil {
		st := poller.Stats()
		out.SeedPolls, out.SeedPollFailures = int64(st.Polls), int64(st.Failures)
		out.SeedChanges, out.SeedSkipped = int64(st.Changes), int64(st.Skipped)
	}
	if g := l.Gossiper(); g != nil {
		st := g.Stats()
		out.GossipRounds, out.GossipSent, out.GossipReceived = int64(st.Rounds), int64(st.Sent), int64(st.Received)
		out.GossipBadPayloads, out.GossipBadRecords = int64(st.BadPayloads), int64(st.BadRecords)
		out.GossipChanges = int64(st.Changes)
	}
	if t := n.cluster.topo.Load(); t != nil {
		for _, p := range t.Peers {
			if p != nil && p.Throttle != nil {
				st := p.Throttle.Stats()
				out.ThrottleDelayed += int64(st.Delayed)
				out.ThrottleRefused += int64(st.Refused)
			}
		}
	}
	return out
}

// broadcastHost is the host /cluster_describe shows for this node: with
// env: aws (or unset) EC2_PUBLIC_HOSTNAME, else PUBLIC_HOSTNAME (C's
// order); otherwise membership.BroadcastAddress by `env` (PUBLIC_HOSTNAME,
// EC2_PUBLIC_HOSTNAME, then the dyn_listen host or, for 0.0.0.0, an
// interface address). "" when nothing gives one.
func (n *Node) broadcastHost() string {
	p := &n.cfg.Pool
	if p.Env == "" || p.Env == "aws" {
		if h := n.firstEnv("EC2_PUBLIC_HOSTNAME", "PUBLIC_HOSTNAME"); h != "" {
			return h
		}
	}
	if p.DynListen.IsZero() {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	h, err := membership.BroadcastAddress(ctx, membership.BroadcastOptions{
		Env: p.Env, Listen: p.DynListen.String(), Getenv: n.adm.getenv,
	})
	if err != nil {
		return ""
	}
	return h
}
