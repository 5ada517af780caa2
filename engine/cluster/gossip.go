package cluster

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/gossip"
)

// Gossip of a running node (docs/compat.md §6.2, §6.3), with
// enable_gossip: true and a dyn_listen address.
//
//	Gossiper.Run (every gos_interval) ──Transport.Send──▶ peer link 0:
//	    one GOSSIP_SYN frame, no reply expected (outbound.Link.SendGossip)
//	peer-in GOSSIP_SYN frame ──Live.GossipIn──▶ Gossiper.Receive
//	    table changed ──OnChange──▶ mailbox ──gossip goroutine──▶ Swap
//	    peer reported DOWN/NORMAL ──▶ the Detector of the live topology
//	    (Swap hands each new topology's Detector to the Gossiper)
//	    this node heard from the cluster ──OnState──▶ LiveEnv.Normal
//
// OnChange runs under the Gossiper's lock, so it only stores the newest
// snapshot; one goroutine publishes it, which keeps the snapshots in
// order (an older one pending is replaced by a newer one).

// liveGossip is the gossip state of a Live.
type liveGossip struct {
	g       *membership.Gossiper
	ids     atomic.Uint64 // msg ids of the GOSSIP_SYN frames sent
	pending atomic.Pointer[ring.Snapshot]
	kick    chan struct{} // capacity 1
	cancel  context.CancelFunc
	done    chan struct{}
}

// wake tells the gossip goroutine a snapshot is pending.
func (lg *liveGossip) wake() {
	select {
	case lg.kick <- struct{}{}:
	default:
	}
}

// Gossips reports whether the node gossips: enable_gossip and a
// dyn_listen address. Then the node hands every GOSSIP_SYN payload a peer
// sends to GossipIn.
func (l *Live) Gossips() bool {
	return l.env.Pool.EnableGossip && !l.env.Pool.DynListen.IsZero()
}

// GossipIn hands a GOSSIP_SYN payload received from the peer connection
// at address from to the Gossiper; before Start or after Stop it is
// dropped. payload is not kept.
func (l *Live) GossipIn(from string, payload []byte) {
	if lg := l.gossip.Load(); lg != nil {
		_ = lg.g.Receive(from, payload, time.Now())
	}
}

// startGossip makes the Gossiper of the live ring and starts its loop.
// Called by Start.
func (l *Live) startGossip() error {
	if !l.Gossips() {
		return nil
	}
	p := l.env.Pool
	t := l.env.Topo.Load()
	peers := make([]ring.Node, 0, t.Nodes()-1)
	for i := 1; i < t.Nodes(); i++ {
		nd := t.Node(i)
		nd.Name = nd.Addr // the Detector names nodes by address
		peers = append(peers, nd)
	}
	bctx, bcancel := context.WithTimeout(context.Background(), 3*time.Second)
	bcast, err := membership.BroadcastAddress(bctx, membership.BroadcastOptions{
		Env: p.Env, Listen: p.DynListen.String(), Getenv: l.env.Getenv,
	})
	bcancel()
	if err != nil {
		l.env.Log.Warn("no broadcast address, announcing the dyn_listen host", "err", err)
		bcast = ""
	}
	lg := &liveGossip{kick: make(chan struct{}, 1), done: make(chan struct{})}
	g, err := membership.NewGossiper(membership.GossipConfig{
		Self:      LocalRingNode(p),
		Broadcast: bcast,
		Peers:     peers,
		Enabled:   true,
		Interval:  p.GosInterval,
		Hash:      t.Hash(),
		Tag:       t.HashTagChars(),
		Logger:    l.env.Log,
		OnChange: func(s *ring.Snapshot) {
			lg.pending.Store(s)
			lg.wake()
		},
		OnState: func(st gossip.State) {
			if st == gossip.Normal {
				l.env.Normal()
			}
		},
		Nanos: func(time.Time) int64 { return l.env.Clock() },
	})
	if err != nil {
		return err
	}
	lg.g = g
	g.SetDetector(t.Det)
	ctx, cancel := context.WithCancel(context.Background())
	lg.cancel = cancel
	l.gossip.Store(lg)
	go func() {
		defer close(lg.done)
		stop := make(chan struct{})
		go func() {
			defer close(stop)
			g.Run(ctx, gossipTransport{l, lg})
		}()
		for {
			select {
			case <-ctx.Done():
				<-stop
				return
			case <-lg.kick:
				if s := lg.pending.Swap(nil); s != nil {
					l.Swap(s)
				}
			}
		}
	}()
	l.env.Log.Info("gossip started", "gos_interval", p.GosInterval, "broadcast", bcast)
	return nil
}

// stopGossip stops the Gossiper's loop; called by Stop before the peers
// stop.
func (l *Live) stopGossip() {
	lg := l.gossip.Swap(nil)
	if lg == nil {
		return
	}
	lg.cancel()
	<-lg.done
}

// gossipFollow points the Gossiper's reports at the Detector of a new
// topology. Called by Swap.
func (l *Live) gossipFollow(t *Topology) {
	if lg := l.gossip.Load(); lg != nil {
		lg.g.SetDetector(t.Det)
	}
}

// Gossiper returns the node's Gossiper, nil when gossip is off or the
// node is not started.
func (l *Live) Gossiper() *membership.Gossiper {
	if lg := l.gossip.Load(); lg != nil {
		return lg.g
	}
	return nil
}

// gossipTransport sends gossip payloads on the first link of the peer at
// the payload's address in the live topology; a peer not in it, or whose
// link is down or full, misses this round.
type gossipTransport struct {
	l  *Live
	lg *liveGossip
}

func (gt gossipTransport) Send(addr string, payload []byte) {
	if p := gt.l.env.Topo.Load().PeerByAddr(addr); p != nil && len(p.Links) > 0 {
		p.Links[0].SendGossip(gt.lg.ids.Add(1), payload)
	}
}

// gossipJoining reports whether gossip holds the node JOINING (docs/compat.md
// §6.1): it runs and has neither heard from a peer nor found itself alone.
func (l *Live) gossipJoining() bool {
	lg := l.gossip.Load()
	return lg != nil && lg.g.State() != gossip.Normal
}
