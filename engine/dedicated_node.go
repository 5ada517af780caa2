package engine

import (
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/dedicated"
	"github.com/dynomite-go/dynomite/engine/outbound"
	"github.com/dynomite-go/dynomite/replica"
)

// The node's part of dedicated datastore connections (engine/dedicated)
// and of pub/sub: which requests go to a client's session, the ownership
// check of their keys, PUBLISH to every node of the datacenter, and the
// replication of what a session changed.
//
// A client's request comes here (inbound.Env.Dedicated) when the client
// has a session, when the request needs one (resp.Command.Dedicated) or
// when it is a pub/sub command.

// initDedicated fills what the sessions use of n. Called by New.
func (n *Node) initDedicated() {
	srv := n.cfg.Pool.Servers[0].Addr
	n.ded = dedicated.Env{
		Out: &n.out, Log: n.log, Network: srv.Network, Addr: srv.String(),
		Limits: dedicated.DefaultLimits, Replicate: n.replicateWrite,
	}
	n.ded.Init()
}

// dedicated is the accepted connections' inbound.Env.Dedicated.
func (n *Node) dedicated(c *accepted, frame []byte) {
	args, cmd := c.Req.Args, c.Req.Cmd
	if s, ok := c.Dedicated.(*dedicated.Session); ok {
		if !s.Ended() && n.inSession(c, s, frame) {
			return
		}
		c.Dedicated = nil
	}
	switch {
	case cmd == n.ded.Reset():
		c.Local(dedicated.ReplyReset) // the session ended meanwhile: nothing to reset there
	case cmd.Dedicated(args):
		if reply := n.ownerCheck(c); reply != nil {
			c.Local(reply)
			return
		}
		s, err := n.ded.Open(c)
		if err != nil {
			c.Local(dedicated.ReplyTooMany)
			return
		}
		c.Dedicated = s
		s.Request(cmd, args, frame, &c.B)
	case cmd.Flags&resp.FlagPubSub != 0:
		n.pubsub(c, frame)
	case cmd.Flags&resp.FlagUnsupported != 0:
		c.Local(resp.ReplyNotSupported)
	default:
		n.rt.Dispatch(c, frame)
	}
}

// inSession sends the request of c to its session s; false when s ended
// meanwhile.
func (n *Node) inSession(c *accepted, s *dedicated.Session, frame []byte) bool {
	args, cmd := c.Req.Args, c.Req.Cmd
	if cmd.Flags&resp.FlagUnsupported != 0 && cmd.Flags&resp.FlagPubSub == 0 && !cmd.Dedicated(args) && cmd != n.ded.Reset() {
		return s.Refuse(resp.ReplyNotSupported, &c.B)
	}
	if reply := n.ownerCheck(c); reply != nil {
		return s.Refuse(reply, &c.B)
	}
	return s.Request(cmd, args, frame, &c.B)
}

// ownerCheck returns the refusal of the request of c when its keys are not
// all owned by this node in the local rack: CROSSSLOT when they have
// several owners. Pub/sub names are not keys here: PUBLISH reaches every
// node.
func (n *Node) ownerCheck(c *accepted) []byte {
	args, cmd := c.Req.Args, c.Req.Cmd
	t := n.cluster.topo.Load()
	if t == nil || t.Solo || cmd.Flags&resp.FlagPubSub != 0 {
		return nil
	}
	ks := cmd.Keys(args, c.Route.KeyIdx[:0])
	c.Route.KeyIdx = ks
	dc, rack, owner := t.LocalDC(), t.LocalRack(), -1
	for _, i := range ks {
		o := t.Owner(dc, rack, t.Token(args[i]))
		if owner >= 0 && o != owner {
			return dedicated.ReplyCrossSlot
		}
		owner = o
	}
	if owner >= 0 && owner != t.Local() {
		return dedicated.ReplyRemoteOwner
	}
	return nil
}

// pubsub serves a pub/sub command outside a session: PUBLISH and
// SPUBLISH reach every node of the datacenter and answer the sum of
// receivers; PUBSUB's introspection answers for this node's datastore.
func (n *Node) pubsub(c *accepted, frame []byte) {
	t := n.cluster.topo.Load()
	name := c.Req.Cmd.Name
	if t == nil || t.Solo || (name != "publish" && name != "spublish") {
		n.rt.Forward(c, frame)
		return
	}
	m := n.rt.PushRouted(c, len(frame))
	if m == nil {
		return
	}
	sum := dedicated.NewSum(c, m)
	n.sumCopy(sum, n.links[c.Pin], frame, &c.B)
	ldc := t.LocalDC()
	for i, p := range t.Peers {
		if p != nil && t.NodeDC(i) == ldc {
			n.sumCopy(sum, p.Pick(c.ID), frame, &c.B)
		}
	}
	sum.Launched(&c.B)
}

// sumCopy queues a copy of frame on lk for sum.
func (n *Node) sumCopy(sum *dedicated.Sum, lk *outbound.Link, frame []byte, b *batch.Batch) {
	cm := n.msgs.Acquire(sum)
	sum.Add()
	if !lk.Enqueue(frame, cm, b) {
		cm.Release()
		sum.Drop(b)
	}
}

// replicateWrite sends frame, a write on key a session made in the local
// rack, to the owner of key in every other rack and DC, as a write whose
// reply nobody waits for (dedicated.Env.Replicate). Copies go on each
// peer's first connection, so one session's writes keep their order.
func (n *Node) replicateWrite(frame, key []byte, b *batch.Batch) {
	t := n.cluster.topo.Load()
	if t == nil || t.Solo {
		return
	}
	var plan replica.Plan
	req := replica.Request{Write: true, Routing: replica.RouteNormal, Level: replica.DCOne, Token: t.Token(key)}
	replica.Route(t, req, &plan)
	for _, tg := range plan.Targets {
		if tg.Node == t.Local() || tg.Node < 0 || tg.Node >= len(t.Peers) || t.Peers[tg.Node] == nil {
			continue
		}
		cm := n.msgs.Acquire(dedicated.Discard{})
		cm.Write, cm.Forward = true, tg.Forward
		if !t.Peers[tg.Node].Pick(0).Enqueue(frame, cm, b) {
			cm.Release()
		}
	}
}

// clientClosed is the accepted connections' inbound.Env.Closed: a
// client's session ends with it.
func (n *Node) clientClosed(c *accepted) {
	if s, ok := c.Dedicated.(*dedicated.Session); ok {
		s.Close()
	}
	n.removeClient(c)
}
