package engine

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/cluster"
	"github.com/dynomite-go/dynomite/engine/inbound"
	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/gossip"
)

// Gossip of a running node (docs/compat.md §6.2, §6.3), with
// enable_gossip: true and a dyn_listen address.
//
//	Gossiper.Run (every gos_interval) ──Transport.Send──▶ peer link 0:
//	    one GOSSIP_SYN frame, no reply expected (outbound.Link.SendGossip)
//	peer-in GOSSIP_SYN frame ──inbound.Env.Gossip──▶ Gossiper.Receive
//	    table changed ──OnChange──▶ mailbox ──gossip goroutine──▶ swapRing
//	    peer reported DOWN/NORMAL ──▶ the Detector of the live topology
//	    (swapRing hands each new topology's Detector to the Gossiper)
//	    this node heard from the cluster ──OnState──▶ JOINING -> NORMAL
//
// OnChange runs under the Gossiper's lock, so it only stores the newest
// snapshot; one goroutine publishes it, which keeps the snapshots in
// order (an older one pending is replaced by a newer one).

// nodeGossip is the gossip state of a Node.
type nodeGossip struct {
	g       *membership.Gossiper
	ids     atomic.Uint64 // msg ids of the GOSSIP_SYN frames sent
	pending atomic.Pointer[ring.Snapshot]
	kick    chan struct{} // capacity 1
	cancel  context.CancelFunc
	done    chan struct{}
}

// gossipOn reports whether the node gossips.
func (n *Node) gossipOn() bool {
	return n.cfg.Pool.EnableGossip && !n.cfg.Pool.DynListen.IsZero()
}

// initGossip installs the receive hook; called by initMembership.
func (n *Node) initGossip() {
	if n.gossipOn() {
		n.in.Gossip = n.gossipIn
	}
}

// gossipIn hands a received GOSSIP_SYN payload to the Gossiper; before
// Start or after Stop it is dropped.
func (n *Node) gossipIn(c *inbound.Conn, payload []byte) {
	ng := n.cluster.mem.gossip.Load()
	if ng == nil {
		return
	}
	_ = ng.g.Receive(c.NC.RemoteAddr().String(), payload, time.Now())
}

// startGossip makes the Gossiper of the live ring and starts its loop.
// Called by startMembership.
func (n *Node) startGossip() error {
	if !n.gossipOn() {
		return nil
	}
	p := &n.cfg.Pool
	t := n.cluster.topo.Load()
	peers := make([]ring.Node, 0, t.Nodes()-1)
	for i := 1; i < t.Nodes(); i++ {
		nd := t.Node(i)
		nd.Name = nd.Addr // the Detector names nodes by address
		peers = append(peers, nd)
	}
	bctx, bcancel := context.WithTimeout(context.Background(), 3*time.Second)
	bcast, err := membership.BroadcastAddress(bctx, membership.BroadcastOptions{
		Env: p.Env, Listen: p.DynListen.String(), Getenv: n.adm.getenv,
	})
	bcancel()
	if err != nil {
		n.log.Warn("no broadcast address, announcing the dyn_listen host", "err", err)
		bcast = ""
	}
	ng := &nodeGossip{kick: make(chan struct{}, 1), done: make(chan struct{})}
	g, err := membership.NewGossiper(membership.GossipConfig{
		Self:      cluster.LocalRingNode(p),
		Broadcast: bcast,
		Peers:     peers,
		Enabled:   true,
		Interval:  p.GosInterval,
		Hash:      t.Hash(),
		Tag:       t.HashTagChars(),
		Logger:    n.log,
		OnChange: func(s *ring.Snapshot) {
			ng.pending.Store(s)
			select {
			case ng.kick <- struct{}{}:
			default:
			}
		},
		OnState: func(st gossip.State) {
			if st == gossip.Normal {
				n.adm.state.CompareAndSwap(uint32(admin.Joining), uint32(admin.Normal))
				n.adm.state.CompareAndSwap(uint32(admin.Init), uint32(admin.Normal))
			}
		},
		Nanos: func(time.Time) int64 { return n.env.Clock() },
	})
	if err != nil {
		return err
	}
	ng.g = g
	g.SetDetector(t.Det)
	ctx, cancel := context.WithCancel(context.Background())
	ng.cancel = cancel
	n.cluster.mem.gossip.Store(ng)
	go func() {
		defer close(ng.done)
		stop := make(chan struct{})
		go func() {
			defer close(stop)
			g.Run(ctx, gossipTransport{n, ng})
		}()
		for {
			select {
			case <-ctx.Done():
				<-stop
				return
			case <-ng.kick:
				if s := ng.pending.Swap(nil); s != nil {
					n.swapRing(s)
				}
			}
		}
	}()
	n.log.Info("gossip started", "gos_interval", p.GosInterval, "broadcast", bcast)
	return nil
}

// stopGossip stops the Gossiper's loop; called by stopMembership before
// the peers stop.
func (n *Node) stopGossip() {
	ng := n.cluster.mem.gossip.Swap(nil)
	if ng == nil {
		return
	}
	ng.cancel()
	<-ng.done
}

// gossipFollow points the Gossiper's reports at the Detector of a new
// topology. Called by swapRing.
func (n *Node) gossipFollow(t *topology) {
	if ng := n.cluster.mem.gossip.Load(); ng != nil {
		ng.g.SetDetector(t.Det)
	}
}

// Gossiper returns the node's Gossiper, nil when gossip is off or the
// node is not started.
func (n *Node) Gossiper() *membership.Gossiper {
	if ng := n.cluster.mem.gossip.Load(); ng != nil {
		return ng.g
	}
	return nil
}

// gossipTransport sends gossip payloads on the first link of the peer at
// the payload's address in the live topology; a peer not in it, or whose
// link is down or full, misses this round.
type gossipTransport struct {
	n  *Node
	ng *nodeGossip
}

func (gt gossipTransport) Send(addr string, payload []byte) {
	t := gt.n.cluster.topo.Load()
	for _, p := range t.Peers {
		if p != nil && p.Addr == addr && len(p.Links) > 0 {
			p.Links[0].SendGossip(gt.ng.ids.Add(1), payload)
			return
		}
	}
}

// gossipJoining reports whether gossip holds the node JOINING (docs/compat.md
// §6.1): it runs and has neither heard from a peer nor found itself alone.
func (n *Node) gossipJoining() bool {
	ng := n.cluster.mem.gossip.Load()
	return ng != nil && ng.g.State() != gossip.Normal
}
