package engine

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/engine/outbound"
)

// Peers: the dnode side of a node.
//
// Outgoing: every other node of the ring is a peer with
// local_peer_connections (same DC) or remote_peer_connections (other DC)
// links. A link is the same type that holds a datastore connection: it
// dials, reconnects with back-off (1 s doubling to 10 s for peers, docs/compat.md
// §9.3) and installs a dialled conn of the peer kind. That conn is a
// datastore conn in every respect (FIFO of msgs, cross-client write coalescing, writer
// goroutine, timeouts, failure of everything queued when it closes); the
// only differences are a dnode header written before each request, a
// dnode header parsed before each reply, and matching by msg id (docs/compat.md §5.3).
//
// Incoming: the dyn_listen listener accepts conns of the peer kind. They
// run the client lifecycle (carry, pipelining bound, in-order replies,
// non-blocking flush); their input is a dnode header followed by a RESP
// request, and every reply gets a DMSG_RES header echoing the request's id.
//
//	client ──RESP──▶ [client conn] ──▶ route ──▶ link ▶ [server conn]   ──RESP──▶ redis
//	                                         └─▶ link ▶ [peer-out conn] ──dnode+RESP──▶ peer
//	peer ──dnode+RESP──▶ [peer-in conn] ──▶ (DMSG_REQ: local datastore; DMSG_REQ_FORWARD: route in this DC)

// peer is one other node and its outgoing connections. A peer kept by a
// new ring keeps its links; node then moves to its index there.
type peer struct {
	node   atomic.Int32 // index in the newest topology holding it
	seed   int          // index in dyn_seeds; -1 for a peer from a provider or gossip
	name   string
	addr   string
	sameDC bool
	links  []*outbound.Link
	// resetting: /peer/reset closed the links; their losses are no
	// failures. Cleared when a link is up again.
	resetting atomic.Bool
	// throttle is conn_msg_rate for a remote-DC peer; nil when unset or
	// the peer is in this node's DC.
	throttle *membership.Throttle
	lazy     bool // preconnect: false
}

// newPeer makes the links of a peer; nothing is dialled.
func newPeer(n *Node, idx, seed int, name, network, addr string, sameDC bool) *peer {
	p := &peer{seed: seed, name: name, addr: addr, sameDC: sameDC, throttle: newPeerThrottle(n, sameDC),
		lazy: !n.cfg.Pool.Preconnect}
	p.node.Store(int32(idx))
	conns := n.cfg.Pool.RemotePeerConnections
	if sameDC {
		conns = n.cfg.Pool.LocalPeerConnections
	}
	conns = max(conns, 1)
	for i := 0; i < conns; i++ {
		lk := outbound.NewLink(&n.out, i, network, p.addr)
		lk.Peer, lk.SameDC = true, sameDC
		lk.Connected = func() { p.connected(n, lk) }
		lk.DialFailed = func() { n.nodeFailed(p) }
		p.links = append(p.links, lk)
	}
	return p
}

// connected records a change of one of p's connections in the peer state
// the stats endpoint shows (docs/compat.md §9.3): NORMAL while any connection is up,
// DOWN once the last one is gone. A lost connection is a failure for the
// failure detector (membership_node.go).
func (p *peer) connected(n *Node, lk *outbound.Link) {
	switch {
	case lk.Cur.Load() != nil:
		p.resetting.Store(false)
		n.nodeReconnected(p)
	case !p.resetting.Load():
		n.nodeFailed(p)
	}
	i := p.seed
	if i < 0 || i >= len(n.adm.peerState) {
		return
	}
	st := admin.Down
	for _, lk := range p.links {
		if lk.Cur.Load() != nil {
			st = admin.Normal
			break
		}
	}
	n.adm.peerState[i].Store(uint32(st))
}

// up reports whether any of p's connections is up.
func (p *peer) up() bool {
	for _, lk := range p.links {
		if lk.Cur.Load() != nil {
			return true
		}
	}
	return false
}

// start dials every link of p; a failure retries with back-off. With
// preconnect: false, a link dials on its first use instead.
func (p *peer) start() {
	for _, lk := range p.links {
		if p.lazy {
			lk.Lazy.Store(true)
			continue
		}
		go lk.Reconnect()
	}
}

// stop ends p's links: no more dials, connections closed (what is queued
// on them fails).
func (p *peer) stop() {
	for _, lk := range p.links {
		lk.Stop()
	}
}

// pick returns the link a client uses: client id modulo the connections,
// so one client's requests to a peer stay in order on one connection.
func (p *peer) pick(id uint64) *outbound.Link { return p.links[id%uint64(len(p.links))] }

// nodeCluster is the cluster state of a Node.
type nodeCluster struct {
	topo atomic.Pointer[topology]
	// cmdSmembers is rewritten to SORT ... ALPHA under DC_SAFE_QUORUM.
	cmdSmembers *resp.Command
	// cmdEval is refused when its keys have several local-rack owners.
	cmdEval   *resp.Command
	peerLn    netpoll.Listener
	peerEvl   netpoll.EventLoop
	peerDone  chan struct{}
	peerStats peerCounters
	mem       nodeMembership // seed provider, gossip, ring swaps (membership_node.go)
	fanouts   sync.Pool      // of *fanout (route.go)
	multis    sync.Pool      // of *multi (route_multi.go)
}

// peerCounters count what the peer side did besides forwarding (docs/compat.md §2.2
// names: peer_mismatch_requests, remote_peer_dropped_requests, ...).
type peerCounters struct {
	mismatch       atomic.Int64 // replies whose id skipped the head request
	remoteDropped  atomic.Int64 // remote-DC copies that no rack could take
	remoteFailover atomic.Int64 // remote-DC copies sent to another rack
	dropped        atomic.Int64 // swallowed copies not sent (peer down or queue full)
	timeouts       atomic.Int64 // peer connections closed on a timeout
}

// initCluster builds the topology from the configuration. Called by New.
func (n *Node) initCluster() error {
	n.initMembership()
	t, err := buildTopology(n, &n.cfg.Pool)
	if err != nil {
		return err
	}
	n.securePeers(t)
	n.cluster.topo.Store(t)
	n.cluster.cmdSmembers = resp.Lookup([]byte("smembers"))
	n.cluster.cmdEval = resp.Lookup([]byte("eval"))
	return nil
}

// startPeers binds dyn_listen and starts dialling every peer. Called by
// Start with n.mu held.
func (n *Node) startPeers() error {
	dl := n.cfg.Pool.DynListen
	if dl.IsZero() {
		return nil
	}
	ln, err := n.listenPeers(dl)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", dl.String(), err)
	}
	evl, err := netpoll.NewEventLoop(n.onClientRequest, netpoll.WithOnPrepare(n.onPeerPrepare))
	if err != nil {
		ln.Close()
		return fmt.Errorf("cannot create event loop: %w", err)
	}
	n.cluster.peerLn, n.cluster.peerEvl = ln, evl
	n.cluster.peerDone = make(chan struct{})
	go func() {
		defer close(n.cluster.peerDone)
		if err := evl.Serve(ln); err != nil && !n.closing.Load() {
			n.log.Error("peer listener stopped", "err", err)
		}
	}()
	t := n.cluster.topo.Load()
	for _, p := range t.peers {
		if p != nil {
			p.start() // preconnect; a failure retries with back-off
		}
	}
	if err := n.startMembership(); err != nil {
		return fmt.Errorf("cannot start the seed provider: %w", err)
	}
	n.log.Info("serving peers", "dyn_listen", ln.Addr().String(), "peers", len(t.peers)-1,
		"dc", t.DCName(t.LocalDC()), "rack", t.RackName(t.LocalDC(), t.LocalRack()))
	return nil
}

// listenBacklog listens on a TCP address with the configured backlog
// (the standard library always uses the system maximum; a second listen()
// on the bound socket sets ours).
func listenBacklog(a conf.Addr, backlog int) (netpoll.Listener, error) {
	ln, err := net.Listen(orDefault(a.Network, "tcp"), a.String())
	if err != nil {
		return nil, err
	}
	if tl, ok := ln.(*net.TCPListener); ok && backlog > 0 {
		if raw, err := tl.SyscallConn(); err == nil {
			_ = raw.Control(func(fd uintptr) { _ = syscall.Listen(int(fd), backlog) })
		}
	}
	nl, err := netpoll.ConvertListener(ln)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return nl, nil
}

// PeerAddr is the address of the peer listener; nil when dyn_listen is not
// configured or before Start.
func (n *Node) PeerAddr() net.Addr {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cluster.peerLn == nil {
		return nil
	}
	return n.cluster.peerLn.Addr()
}

// stopPeers closes the peer listener, stops reconnecting and closes the
// outgoing peer connections. Accepted peer connections are in n.clients
// and closed with the clients.
func (n *Node) stopPeers() {
	n.mu.Lock()
	evl, done := n.cluster.peerEvl, n.cluster.peerDone
	n.mu.Unlock()
	if evl != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_ = evl.Shutdown(sctx)
		cancel()
	}
	n.stopMembership()
	if done != nil {
		<-done
	}
}

// onPeerPrepare registers an accepted peer connection.
func (n *Node) onPeerPrepare(nc netpoll.Connection) context.Context {
	return n.prepareAccepted(nc, &n.in.PeerIn)
}
