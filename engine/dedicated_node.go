package engine

import (
	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/dedicated"
	"github.com/dynomite-go/dynomite/engine/inbound"
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
	switch d := c.Dedicated.(type) {
	case *dedicated.Session:
		if !d.Ended() && n.inSession(c, d, frame) {
			return
		}
		c.Dedicated = nil
	case *heldMulti:
		if n.held(c, d, frame) {
			return
		}
	}
	multi, _, _ := n.ded.TxCommands()
	switch {
	case cmd == n.ded.Reset():
		c.Local(dedicated.ReplyReset) // the session ended meanwhile: nothing to reset there
	case cmd == multi && n.holdsMulti():
		c.Dedicated = &heldMulti{c: c}
		c.Local(resp.ReplyOK)
	case cmd.Dedicated(args):
		owner, reply := n.ownerOf(c)
		if reply != nil {
			c.Local(reply)
			return
		}
		s, reply := n.openSession(c, owner)
		if reply != nil {
			c.Local(reply)
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

// openSession opens the session of c on the datastore of owner, a node of
// the local rack (-1: this node): this node's own dedicated connection,
// or a client tunnel to the owner. It returns the refusal to answer
// instead when the session cannot open.
func (n *Node) openSession(c *accepted, owner int) (*dedicated.Session, []byte) {
	t := n.cluster.topo.Load()
	if t == nil || owner < 0 || owner == t.Local() {
		s, err := n.ded.Open(c)
		if err != nil {
			return nil, dedicated.ReplyTooMany
		}
		s.Owner = -1
		if t != nil {
			s.Owner = t.Local()
		}
		return s, nil
	}
	if c.Tunnelled() || owner >= len(t.Peers) || t.Peers[owner] == nil || len(t.Peers[owner].Links) == 0 {
		// The peer's ring and this node's disagree: no second hop.
		return nil, dedicated.ReplyRemoteOwner
	}
	p := t.Peers[owner]
	lk := p.Links[0]
	if lk.Secure {
		return nil, dedicated.ReplyTunnelEncrypted
	}
	hello := tunnelHello(n.out.MsgIDs.Add(1), c.Sess.User())
	s, err := n.ded.OpenTunnel(c, p.Addr, func(tunnel func([]byte, *batch.Batch), closed func()) (*outbound.Conn, error) {
		return n.out.DialTunnel(lk, hello, tunnel, closed)
	})
	if err != nil {
		return nil, dedicated.ReplyTooMany
	}
	s.Owner = owner
	return s, nil
}

// tunnelHello is the first frame of a client tunnel (inbound/tunnel.go):
// a plain DMSG_REQ whose payload is DYNOMITE.TUNNEL <user>.
func tunnelHello(id uint64, user string) []byte {
	payload := resp.AppendCommand(nil, []byte(inbound.TunnelCommand), []byte(user))
	f := dnode.AppendHeader(nil, dnode.Plain(id, dnode.TypeReq, true, uint32(len(payload))))
	return append(f, payload...)
}

// acceptTunnel is the accepted connections' inbound.Env.Tunnel: c, a
// peer's connection, becomes a client authenticated as user.
func (n *Node) acceptTunnel(c *accepted, user []byte) []byte {
	if !c.Sess.Assume(n.in.Session, user) {
		return replyTunnelUser
	}
	n.env.Spin.Clients.Add(1) // counted as a client from now on (removeClient)
	return nil
}

// replyTunnelUser refuses a client tunnel whose user this node does not
// have.
var replyTunnelUser = []byte("-ERR client tunnel refused: no such user on this node\r\n")

// inSession sends the request of c to its session s; false when s ended
// meanwhile.
func (n *Node) inSession(c *accepted, s *dedicated.Session, frame []byte) bool {
	args, cmd := c.Req.Args, c.Req.Cmd
	if cmd.Flags&resp.FlagUnsupported != 0 && cmd.Flags&resp.FlagPubSub == 0 && !cmd.Dedicated(args) && cmd != n.ded.Reset() {
		return s.Refuse(resp.ReplyNotSupported, &c.B)
	}
	owner, reply := n.ownerOf(c)
	if reply == nil && owner >= 0 && owner != s.Owner {
		reply = dedicated.ReplyCrossSlot
	}
	if reply != nil {
		return s.Refuse(reply, &c.B)
	}
	return s.Request(cmd, args, frame, &c.B)
}

// ownerOf returns the owner, in the local rack, of the keys of the
// request of c: -1 when it has none (or this node is alone, or it is a
// pub/sub command, whose names are not keys here: PUBLISH reaches every
// node), or CROSSSLOT when they have several owners.
func (n *Node) ownerOf(c *accepted) (int, []byte) {
	args, cmd := c.Req.Args, c.Req.Cmd
	t := n.cluster.topo.Load()
	if t == nil || t.Solo || cmd.Flags&resp.FlagPubSub != 0 {
		return -1, nil
	}
	ks := cmd.Keys(args, c.Route.KeyIdx[:0])
	c.Route.KeyIdx = ks
	dc, rack, owner := t.LocalDC(), t.LocalRack(), -1
	for _, i := range ks {
		o := t.Owner(dc, rack, t.Token(args[i]))
		if owner >= 0 && o != owner {
			return -1, dedicated.ReplyCrossSlot
		}
		owner = o
	}
	return owner, nil
}

// A MULTI the node holds: with several nodes in the local rack the owner
// of a transaction is known only at its first command with keys, so MULTI
// is answered here and the session opens at the next command (a keyless
// one opens it on this node), which gets MULTI first (Session.Begin).
type heldMulti struct {
	c       *accepted
	aborted bool // a command was refused: EXEC aborts
}

var (
	replyNestedMulti = []byte("-ERR MULTI calls can not be nested\r\n")
	replyExecAbort   = []byte("-EXECABORT Transaction discarded because of previous errors.\r\n")
	replyEmptyExec   = []byte("*0\r\n")
	replyQueued      = []byte("+QUEUED\r\n")
)

// holdsMulti reports whether a client's MULTI outside a session is held:
// when the local rack has several nodes.
func (n *Node) holdsMulti() bool {
	t := n.cluster.topo.Load()
	return t != nil && !t.Solo && len(t.RackNodes(t.LocalDC(), t.LocalRack())) > 1
}

// held serves the request of c while h holds its MULTI; false when the
// caller must serve it as a client's without a session (h is gone).
func (n *Node) held(c *accepted, h *heldMulti, frame []byte) bool {
	cmd := c.Req.Cmd
	multi, exec, discard := n.ded.TxCommands()
	switch cmd {
	case multi:
		c.Local(replyNestedMulti)
		return true
	case exec:
		c.Dedicated = nil
		if h.aborted {
			c.Local(replyExecAbort)
		} else {
			c.Local(replyEmptyExec)
		}
		return true
	case discard:
		c.Dedicated = nil
		c.Local(resp.ReplyOK)
		return true
	case n.ded.Reset():
		c.Dedicated = nil
		return false
	}
	owner, reply := n.ownerOf(c)
	if cmd.Flags&resp.FlagUnsupported != 0 && cmd.Flags&resp.FlagPubSub == 0 && !cmd.Dedicated(c.Req.Args) {
		reply = resp.ReplyNotSupported
	}
	if reply == nil && h.aborted {
		reply = replyQueued // as Redis queues after an error: EXEC aborts
	}
	if reply == nil {
		var s *dedicated.Session
		if s, reply = n.openSession(c, owner); reply == nil {
			c.Dedicated = s
			s.Begin(&c.B)
			n.inSession(c, s, frame)
			return true
		}
	}
	h.aborted = h.aborted || reply[0] == '-'
	c.Local(reply)
	return true
}

// Refuse answers a request refused while MULTI is held (inbound's
// refuser): EXEC will abort. It reports false: the caller answers.
func (h *heldMulti) Refuse([]byte, *batch.Batch) bool {
	h.aborted = true
	return false
}

// Answer answers a request the node serves itself while MULTI is held,
// as a session does (dedicated.Session.Answer): an error aborts the
// transaction, anything else is replaced by ReplyNotInMulti, which
// aborts it too.
func (h *heldMulti) Answer(reply []byte, _ *batch.Batch) bool {
	h.aborted = true
	if len(reply) == 0 || reply[0] != '-' {
		h.c.Local(dedicated.ReplyNotInMulti)
		return true
	}
	return false
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
