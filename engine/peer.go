package engine

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/cluster"
	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/engine/outbound"
	"github.com/dynomite-go/dynomite/engine/route"
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

// topology and peer are the cluster view and a peer of engine/cluster.
type (
	topology = cluster.Topology
	peer     = cluster.Peer
)

// newPeer makes the links of a peer; nothing is dialled.
func newPeer(n *Node, idx, seed int, name, network, addr string, sameDC bool) *peer {
	conns := n.cfg.Pool.RemotePeerConnections
	if sameDC {
		conns = n.cfg.Pool.LocalPeerConnections
	}
	p := cluster.NewPeer(&n.out, conns, idx, seed, name, network, addr, sameDC)
	p.Throttle, p.Lazy = newPeerThrottle(n, sameDC), !n.cfg.Pool.Preconnect
	for _, lk := range p.Links {
		lk.Connected = func() { peerConnected(n, p, lk) }
		lk.DialFailed = func() { n.nodeFailed(p) }
	}
	return p
}

// peerConnected records a change of one of p's connections in the peer state
// the stats endpoint shows (docs/compat.md §9.3): NORMAL while any connection is up,
// DOWN once the last one is gone. A lost connection is a failure for the
// failure detector (membership_node.go).
func peerConnected(n *Node, p *peer, lk *outbound.Link) {
	switch {
	case lk.Cur.Load() != nil:
		p.Resetting.Store(false)
		n.nodeReconnected(p)
	case !p.Resetting.Load():
		n.nodeFailed(p)
	}
	i := p.Seed
	if i < 0 || i >= len(n.adm.peerState) {
		return
	}
	st := admin.Down
	for _, lk := range p.Links {
		if lk.Cur.Load() != nil {
			st = admin.Normal
			break
		}
	}
	n.adm.peerState[i].Store(uint32(st))
}

// nodeCluster is the cluster state of a Node.
type nodeCluster struct {
	topo      atomic.Pointer[topology]
	peerLn    netpoll.Listener
	peerEvl   netpoll.EventLoop
	peerDone  chan struct{}
	peerStats route.PeerCounters
	live      cluster.Live // ring swaps, seed provider, gossip (engine/cluster, membership_node.go)
}

// initCluster builds the topology from the configuration. Called by New.
func (n *Node) initCluster(o MembershipOptions) error {
	n.initMembership(o)
	t, err := cluster.Build(&n.cfg.Pool, n.cluster.live.Provided(), func(idx, seed int, name, network, addr string, sameDC bool) *peer {
		return newPeer(n, idx, seed, name, network, addr, sameDC)
	})
	if err != nil {
		return err
	}
	n.securePeers(t)
	n.cluster.topo.Store(t)
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
	for _, p := range t.Peers {
		if p != nil {
			p.Start() // preconnect; a failure retries with back-off
		}
	}
	if err := n.cluster.live.Start(); err != nil {
		return fmt.Errorf("cannot start the seed provider: %w", err)
	}
	n.log.Info("serving peers", "dyn_listen", ln.Addr().String(), "peers", len(t.Peers)-1,
		"dc", t.DCName(t.LocalDC()), "rack", t.RackName(t.LocalDC(), t.LocalRack()))
	return nil
}

// listenBacklog listens on a TCP address with the configured backlog
// (the standard library always uses the system maximum; a second listen()
// on the bound socket sets ours).
func listenBacklog(a conf.Addr, backlog int) (netpoll.Listener, error) {
	ln, err := netListenBacklog(a, backlog)
	if err != nil {
		return nil, err
	}
	nl, err := netpoll.ConvertListener(ln)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return nl, nil
}

// netListenBacklog listens on a with backlog as the accept queue's length
// (the system's default when backlog <= 0).
func netListenBacklog(a conf.Addr, backlog int) (net.Listener, error) {
	ln, err := net.Listen(orDefault(a.Network, "tcp"), a.String())
	if err != nil {
		return nil, err
	}
	if tl, ok := ln.(*net.TCPListener); ok && backlog > 0 {
		if raw, err := tl.SyscallConn(); err == nil {
			_ = raw.Control(func(fd uintptr) { _ = syscall.Listen(int(fd), backlog) })
		}
	}
	return ln, nil
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
	n.cluster.live.Stop()
	if done != nil {
		<-done
	}
}

// onPeerPrepare registers an accepted peer connection.
func (n *Node) onPeerPrepare(nc netpoll.Connection) context.Context {
	if n.sec.peerSide.Config != nil {
		return n.prepareTLS(nc, &n.sec.peerSide)
	}
	return n.prepareAccepted(nc, &n.in.PeerIn)
}

// orDefault is s, or def when s is empty.
func orDefault(s, def string) string { return cluster.OrDefault(s, def) }

// newPeerThrottle returns the Throttle of a peer, nil for one in this
// node's DC or when conn_msg_rate is not positive.
func newPeerThrottle(n *Node, sameDC bool) *membership.Throttle {
	if sameDC || n.cfg.Pool.ConnMsgRate < 1 {
		return nil
	}
	return membership.NewThrottle(n.cfg.Pool.ConnMsgRate, 0)
}

// initRouter fills the router's environment. Called by New once the
// links, the topology and hinted handoff exist.
func (n *Node) initRouter() {
	n.rt.Env = route.Env{
		Core: &n.env, Msgs: &n.msgs, Links: n.links, Links3: n.links3, Topo: &n.cluster.topo,
		PeerStats: &n.cluster.peerStats,
		State:     &n.adm.state, Repairs: &n.adm.repairs, RLevel: &n.adm.rlevel, WLevel: &n.adm.wlevel,
		ReadRepairs: &n.conv.ReadRepairs, Refused: &n.adm.refused, MaxMsgs: n.maxMsgs,
		AdminMode: n.adminMode, Hinting: n.conv.Hinting(), HintWrite: n.conv.HintWrite,
	}
}
