package engine

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/cluster"
	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/gossip"
	"github.com/dynomite-go/dynomite/ring/seeds"
)

// Membership of a running node (engine/membership): who the other nodes
// are and which of them get requests.
//
//	seed provider ──Poller (every SeedInterval)──▶ swapRing(snapshot)
//	                                                 │ ring.Compare(old, new)
//	                                                 ▼
//	      new topology: kept peers carried over (links and detector state),
//	      added and readdressed peers dialled, removed ones retired
//	      (closed after a grace period, so requests routed on the old
//	      topology finish there); one atomic store publishes it
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
// starts with a ring of itself alone and stays JOINING (every request is
// answered "Dynomite's current state does not allow this request") until
// the provider's first usable list; then it goes NORMAL. A failing
// provider keeps the last good list (the Poller counts and logs it).

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

// nodeMembership is the membership state of a Node.
type nodeMembership struct {
	opts MembershipOptions
	// provided: the ring comes from a seed provider other than the simple
	// one, so the node waits for its first list.
	provided bool
	// joined: the provider gave a list (always true without a provider).
	joined atomic.Bool
	swaps  atomic.Int64 // rings published after the first

	mu       sync.Mutex // serializes swaps; guards the fields below
	stopped  bool
	poller   *membership.Poller
	cancel   context.CancelFunc
	done     chan struct{}
	retiring map[*peer]*time.Timer
	// provSeeds is the provider's previous list, read and written by the
	// polling goroutine only (providerList).
	provSeeds []seeds.Seed
	gossip    atomic.Pointer[nodeGossip] // set while gossip runs (gossip_node.go)
}

// initMembership reads the configuration; called by initCluster before
// the first topology is built.
func (n *Node) initMembership() {
	m := &n.cluster.mem
	prov := n.cfg.Pool.DynSeedProvider
	m.provided = !n.cfg.Pool.DynListen.IsZero() &&
		(strings.HasPrefix(prov, membership.FloridaName) || strings.HasPrefix(prov, membership.DNSName))
	m.joined.Store(!m.provided)
	if m.provided {
		n.adm.state.Store(uint32(admin.Init)) // JOINING from Start until the first list
	}
	m.retiring = make(map[*peer]*time.Timer)
	n.initGossip()
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

// holdJoining reports whether the node must stay JOINING: it waits for
// its seed provider's first list.
// With gossip on, it also waits until gossip has heard from the cluster.
func (n *Node) holdJoining() bool { return !n.cluster.mem.joined.Load() || n.gossipJoining() }

// startMembership starts polling the seed provider, when there is one.
// Called by startPeers.
func (n *Node) startMembership() error {
	m := &n.cluster.mem
	if err := n.startGossip(); err != nil || !m.provided {
		return err
	}
	p := &n.cfg.Pool
	local := cluster.LocalRingNode(p)
	prov, err := membership.NewProvider(membership.Options{
		Provider:   p.DynSeedProvider,
		Seeds:      p.DynSeeds,
		Getenv:     n.adm.getenv,
		HTTPClient: m.opts.HTTPClient,
		Resolver:   m.opts.Resolver,
		DC:         local.DC,
		Port:       p.DynListen.Port,
		Tokens:     local.Tokens,
	})
	if err != nil {
		return err
	}
	t := n.cluster.topo.Load()
	poller := membership.NewPoller(membership.PollerOptions{
		Provider: prov,
		Interval: m.opts.SeedInterval,
		Timeout:  n.cfg.Pool.Timeout,
		Self:     seeds.Self{Node: local},
		Hash:     t.Hash(),
		Tag:      t.HashTagChars(),
		Logger:   n.log,
		OnChange: n.providerList,
	})
	ctx, cancel := context.WithCancel(context.Background())
	m.mu.Lock()
	m.poller, m.cancel, m.done = poller, cancel, make(chan struct{})
	done := m.done
	m.mu.Unlock()
	go func() {
		defer close(done)
		poller.Run(ctx)
	}()
	return nil
}

// providerList applies a new list of the seed provider. Without gossip
// its snapshot is the ring. With gossip the gossip table is the ring: the
// records that are new or changed since the provider's previous list are
// merged into it as C merges seeds (NORMAL, stamped now), and the gossip
// loop publishes the result. Records the provider repeats unchanged are not
// merged again, so a stale provider record cannot move back a node that
// gossip has since seen at a new address. The first list ends JOINING even
// when it adds nothing to what gossip already knew.
func (n *Node) providerList(snap *ring.Snapshot, list []seeds.Seed) {
	m := &n.cluster.mem
	ng := m.gossip.Load()
	if ng == nil {
		n.swapRing(snap)
		return
	}
	fresh := newSeeds(m.provSeeds, list)
	m.provSeeds = list
	ng.g.Seeds(fresh, time.Now())
	if m.joined.Load() {
		return
	}
	// Only when no newer snapshot waits: the gossip loop publishes in order.
	if s, err := ng.g.Snapshot(); err == nil && ng.pending.CompareAndSwap(nil, s) {
		select {
		case ng.kick <- struct{}{}:
		default:
		}
	}
}

// newSeeds returns the seeds of list that old does not hold as they are.
func newSeeds(old, list []seeds.Seed) []seeds.Seed {
	had := make(map[string]bool, len(old))
	for _, s := range old {
		had[string(seeds.AppendRecord(nil, s))] = true
	}
	var out []seeds.Seed
	for _, s := range list {
		if !had[string(seeds.AppendRecord(nil, s))] {
			out = append(out, s)
		}
	}
	return out
}

// stopMembership stops the provider's polling and every peer's links,
// the retiring ones included. Called by stopPeers.
func (n *Node) stopMembership() {
	m := &n.cluster.mem
	n.stopGossip()
	m.mu.Lock()
	m.stopped = true
	cancel, done := m.cancel, m.done
	for p, tm := range m.retiring {
		tm.Stop()
		p.Stop()
	}
	clear(m.retiring)
	m.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if t := n.cluster.topo.Load(); t != nil {
		for _, p := range t.Peers {
			if p != nil {
				p.Stop()
			}
		}
	}
}

// swapRing publishes the topology of snap (this node at index 0): peers
// at the same address keep their links and detector state, peers added
// or readdressed get new links (dialled at once), and peers no longer in
// the ring are retired. It is the one writer of Node.cluster.topo after
// New.
func (n *Node) swapRing(snap *ring.Snapshot) {
	m := &n.cluster.mem
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return
	}
	old := n.cluster.topo.Load()
	d := ring.Compare(old.Snapshot, snap)
	t := &topology{Snapshot: snap, Solo: snap.Nodes() == 1, Peers: make([]*peer, snap.Nodes())}
	names := make([]string, snap.Nodes())
	for i := range names {
		names[i] = snap.Node(i).Addr
	}
	t.Det = old.Det.Follow(names)
	var fresh, gone []*peer
	for _, k := range d.Kept {
		p := old.Peers[k.Old]
		if p.SameDC != snap.SameDC(k.New) {
			// the peer moved between DCs: its links' headers and counts change
			gone = append(gone, p)
			d.Added = append(d.Added, k.New)
			continue
		}
		p.Node.Store(int32(k.New))
		t.Peers[k.New] = p
	}
	for _, r := range d.Readdressed {
		gone = append(gone, old.Peers[r.Old])
		d.Added = append(d.Added, r.New)
	}
	for _, i := range d.Removed {
		gone = append(gone, old.Peers[i])
	}
	for _, i := range d.Added {
		nd := snap.Node(i)
		p := newPeer(n, i, n.seedIndex(nd.Addr), nd.Name, "tcp", nd.Addr, snap.SameDC(i))
		t.Peers[i] = p
		n.securePeer(t, i, p)
		fresh = append(fresh, p)
	}
	n.cluster.topo.Store(t)
	n.gossipFollow(t)
	if old.Nodes() > 1 || snap.Nodes() > 1 {
		if m.joined.Load() {
			m.swaps.Add(1)
		}
	}
	n.log.Info("ring changed", "nodes", snap.Nodes(), "added", len(fresh), "removed", len(gone),
		"readdressed", len(d.Readdressed))
	for _, p := range fresh {
		p.Start()
	}
	for _, p := range gone {
		n.retire(p)
	}
	if !m.joined.Swap(true) {
		n.adm.state.CompareAndSwap(uint32(admin.Joining), uint32(admin.Normal))
		n.adm.state.CompareAndSwap(uint32(admin.Init), uint32(admin.Normal))
	}
}

// retire closes p's links after the grace period, so that requests routed
// on an older topology still reach it. Callers hold mem.mu.
func (n *Node) retire(p *peer) {
	m := &n.cluster.mem
	grace := m.opts.RetireAfter
	if grace <= 0 {
		grace = n.timeout + time.Second
	}
	m.retiring[p] = time.AfterFunc(grace, func() {
		m.mu.Lock()
		_, ok := m.retiring[p]
		delete(m.retiring, p)
		m.mu.Unlock()
		if ok {
			p.Stop()
		}
	})
}

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
	addPeer(&at, p.Datacenter, p.Rack, n.localPeer())
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
		var tok uint32
		if len(nd.Tokens) > 0 {
			tok = nd.Tokens[0]
		}
		addPeer(&at, nd.DC, nd.Rack, admin.Peer{
			Name: cluster.PeerHost(pr.Addr), Host: cluster.PeerHost(pr.Addr), Port: cluster.PeerPort(pr.Addr), Token: tok, State: st,
		})
	}
	return at
}

var _ admin.MembershipReporter = (*Node)(nil)

// MembershipStats returns the seed provider, ring swap, gossip and
// conn_msg_rate counters (admin.MembershipReporter).
func (n *Node) MembershipStats() admin.MembershipStats {
	m := &n.cluster.mem
	out := admin.MembershipStats{RingSwaps: m.swaps.Load()}
	m.mu.Lock()
	poller := m.poller
	m.mu.Unlock()
	if poller != nil {
		st := poller.Stats()
		out.SeedPolls, out.SeedPollFailures = int64(st.Polls), int64(st.Failures)
		out.SeedChanges, out.SeedSkipped = int64(st.Changes), int64(st.Skipped)
	}
	if ng := m.gossip.Load(); ng != nil {
		st := ng.g.Stats()
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
