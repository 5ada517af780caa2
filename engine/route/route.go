package route

import (
	"hash/crc32"
	"sync"
	"sync/atomic"

	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/outbound"
	"github.com/dynomite-go/dynomite/replica"
)

// Routing of a request in a cluster: one request lifecycle for every target.
//
//	client conn ── msg m (client's pending queue, request order)
//	      │
//	      └── fanout f: replica.Plan + replica.Tracker
//	             ├── copy msg → link of the local datastore  (server conn FIFO)
//	             ├── copy msg → peer link, DMSG_REQ           (peer-out conn FIFO)
//	             └── copy msg → peer link, DMSG_REQ_FORWARD   (remote DC)
//
// A copy is an ordinary msg queued on a server or peer connection exactly as
// a single-node request is; when its reply (or failure) comes back, answer
// hands it to its fanout instead of a client. The fanout steps the tracker
// with the reply (CRC32 checksum under quorum levels, Err for error replies,
// Code for failures the engine made up), keeps counted replies until the
// decision, sends the next rack on a Retry verdict (DC_ONE reads), and
// gives the winning bytes to m once the verdict is Won or Lost. Replies
// after the decision are swallowed. The fanout lives until its last copy is
// back (refs), so late replies never touch a released msg.
//
// A single node (solo topology) never builds a fanout: forward (forward.go)
// queues the msg itself on the datastore, as before the cluster existed.
//
// Locks: f.mu is taken before any conn's mu (enqueue, answer) and never
// while a conn's mu is held.

// fanout is one routed request (or one part of a split multi-key request).
type fanout struct {
	mu    sync.Mutex
	node  *Router // whose pool f belongs to; kept across reuse
	topo  *topology
	plan  replica.Plan
	tr    replica.Tracker
	owner *accepted // the client (or peer-in) connection
	m     *msg.Msg  // owner's msg; nil once answered or for a part
	multi *multi
	part  int
	// frame keeps the request for a retry on another rack (DC_ONE reads
	// only); nil otherwise.
	frame *bytebufferpool.ByteBuffer
	// kept[i] is the reply of counted target i, kept until the decision.
	kept    []*bytebufferpool.ByteBuffer
	kstk    [8]*bytebufferpool.ByteBuffer
	refs    int // copies in flight, plus one until answered
	decided bool
	sum     bool // checksums are compared (quorum levels)
	// rr is the read-repair state of a rewritten request (readrepair.go);
	// nil while read repair is off.
	rr *readRepair
	// start is the arrival clock of the request (its owner's input batch)
	// while launch sends the copies, 0 after: the peer queue wait of a
	// copy sent later, on a reply path, is not measured (stats_peer.go).
	// Atomic: a copy a peer link held for its first dial is queued, and
	// reads it, without f.mu (outbound/first.go).
	start atomic.Int64
	// admitted is 1 + the index of the copy whose conn_msg_rate token is
	// already taken (throttle_node.go), 0 for none.
	admitted int32
}

// acquireFanout returns a cleared fanout of the owner's node pool.
func acquireFanout(n *Router, t *topology, owner *accepted) *fanout {
	f, _ := n.fanouts.Get().(*fanout)
	if f == nil {
		f = new(fanout)
	}
	f.node, f.topo, f.owner = n, t, owner
	f.kept = f.kstk[:0]
	return f
}

// release returns f to the pool; f must not be used afterwards.
func (f *fanout) release() {
	for i, b := range f.kept {
		f.node.Core.Bufs.Put(b)
		f.kept[i] = nil
	}
	f.node.Core.Bufs.Put(f.frame)
	f.releaseReadRepair()
	f.topo, f.owner, f.m, f.multi, f.frame = nil, nil, nil, nil, nil
	f.part, f.refs, f.decided, f.sum, f.admitted = 0, 0, false, false, 0
	f.start.Store(0)
	f.kept = nil
	f.plan.Reset()
	f.node.fanouts.Put(f)
}

// Dispatch sends a request of the node's protocol on its way: on a single
// node straight to the datastore, in a cluster through the coordinator.
// The protocol (proto.go) supplies the request's class, keys, split and
// rewrites; the steps are the same for Redis and memcached.
// It is the accepted connections' inbound.Env.Dispatch.
func (n *Router) Dispatch(c *accepted, frame []byte) {
	t := n.Topo.Load()
	if t == nil || t.Solo {
		if !n.soloKeyspace(c, t, frame) {
			n.Forward(c, frame)
		}
		return
	}
	p := &n.proto
	req := p.classify(c, t)
	if n.keyspace(c, t, &req, frame) {
		return // CROSSSLOT, cluster-wide (route_keyspace.go)
	}
	if n.AdminMode > 0 && p.adminDelete(c) {
		n.adminDel(c, t, frame)
		return
	}
	if req.Routing == replica.RouteNormal && p.keyCount(c) > 1 && p.multiKey(c) && n.routeMulti(c, t, req, frame) {
		return
	}
	if frame = p.prepare(n, c, t, req, frame); frame == nil {
		return // answered locally
	}
	var rr *readRepair
	if n.Repairs.Load() {
		rr, frame = n.readRepairRewrite(c, req, frame)
	}
	m := n.PushRouted(c, len(frame))
	if m == nil {
		return
	}
	m.Mute = c.Mute()
	f := acquireFanout(n, t, c)
	f.m, f.rr = m, rr
	replica.Route(t, req, &f.plan)
	launch(c, f, frame)
}

// spansNodes reports whether the keys of the request have more than one
// owner in the local rack.
func (n *Router) spansNodes(c *accepted, t *topology) bool {
	p := &n.proto
	keys := p.keyCount(c)
	if keys < 2 {
		return false
	}
	dc, rack := t.LocalDC(), t.LocalRack()
	first := t.Owner(dc, rack, t.Token(p.key(c, 0)))
	for i := 1; i < keys; i++ {
		if t.Owner(dc, rack, t.Token(p.key(c, i))) != first {
			return true
		}
	}
	return false
}

// PushRouted admits a request of size bytes and queues its msg in the
// reply order; nil when max_msgs is reached (the client has been
// answered). The size is kept for the queues of an accepted peer
// connection (inbound.Conn.Queues).
func (n *Router) PushRouted(c *accepted, size int) *msg.Msg {
	if !n.admit() {
		c.Local(n.proto.tooManyMsgs)
		return nil
	}
	m := n.Msgs.Acquire(c)
	m.St.Size = int64(size)
	c.Push(m)
	return m
}

// routeForwarded coordinates a DMSG_REQ_FORWARD from another DC: the owner
// in every rack of this DC, answering with the own rack's reply (DC_ONE;
// the level is not carried on the wire).
func (n *Router) routeForwarded(c *accepted, frame []byte) {
	t := n.Topo.Load()
	if t == nil || t.Solo {
		n.Forward(c, frame)
		return
	}
	req := n.proto.classify(c, t)
	req.Write, req.Level = true, replica.DCOne
	m := n.PushRouted(c, len(frame))
	if m == nil {
		return
	}
	f := acquireFanout(n, t, c)
	f.m = m
	replica.Route(t, req, &f.plan)
	ldc, k := t.LocalDC(), 0
	for _, tg := range f.plan.Targets {
		if tg.DC == ldc {
			f.plan.Targets[k] = tg
			k++
		}
	}
	f.plan.Targets = f.plan.Targets[:k]
	launch(c, f, frame)
}

// launch sends every planned copy of a request. Called on the owner's
// input path; the connections it makes busy are written by c.b.
func launch(c *accepted, f *fanout, frame []byte) {
	f.tr.Start(f.topo, &f.plan)
	r := f.plan.Req
	f.sum = r.Level > replica.DCOne
	if r.Level == replica.DCOne && !r.Write && r.Routing == replica.RouteNormal && f.topo.Racks(f.topo.LocalDC()) > 1 ||
		r.Write && f.node.Hinting { // kept for a hint (hints_node.go)
		f.frame = f.node.Core.Bufs.Get()
		f.frame.B = append(f.frame.B, frame...)
	}
	f.mu.Lock()
	f.refs = 1
	f.start.Store(c.BatchClock())
	n := len(f.plan.Targets)
	if f.sum {
		// Quorum levels wait for a peer: its copy goes out first, the
		// local datastore's (target 0) last, as its round trip is shorter.
		for i := n - 1; i >= 0; i-- {
			f.send(i, frame, &c.B)
		}
	} else {
		for i := 0; i < n; i++ {
			f.send(i, frame, &c.B)
		}
	}
	f.start.Store(0)
	done := f.refs == 0
	f.mu.Unlock()
	if done {
		f.release()
	}
}

// send queues a copy of frame for target i. A target that cannot take it
// fails over (remote DC), is dropped (swallowed copy) or fails in the
// tracker (counted copy). Callers hold f.mu.
func (f *fanout) send(i int, frame []byte, b *batch.Batch) {
	for {
		tg := f.plan.Targets[i]
		lk, code := f.slotFor(tg)
		if lk != nil {
			switch f.throttle(i, tg, frame) {
			case throttleWait:
				return
			case throttleRefused:
				lk, code = nil, replica.PeerThrottled
			}
		}
		if lk != nil {
			cm := f.node.Msgs.Acquire(f)
			cm.Idx = int32(i)
			cm.Write, cm.Forward = f.plan.Req.Write, tg.Forward
			if lk.Enqueue(frame, cm, b) {
				f.refs++
				return
			}
			cm.Release()
		}
		if f.plan.Req.Write {
			f.node.HintWrite(f.topo, tg, frame)
		}
		stats := f.node.PeerStats
		switch {
		case tg.Forward:
			next, ok := replica.Failover(f.topo, &f.plan, tg)
			if !ok {
				stats.RemoteDropped.Add(1)
				return
			}
			stats.RemoteFailover.Add(1)
			f.plan.Targets = append(f.plan.Targets, next)
			i = len(f.plan.Targets) - 1
		case !tg.Counted:
			stats.Dropped.Add(1)
			return
		default:
			if !f.decided {
				f.step(i, nil, code, b)
			}
			return
		}
	}
}

// slotFor returns the connection link of a target and the failure code
// when it cannot be reached; a nil link means no such peer.
func (f *fanout) slotFor(tg replica.Target) (*outbound.Link, replica.Code) {
	if tg.Node >= 0 && tg.Node < len(f.topo.Peers) && !f.topo.Allow(tg.Node, f.node.Core) {
		if tg.Node == f.topo.Local() {
			return nil, replica.StorageRefused // ejected (membership_node.go)
		}
		return nil, replica.PeerDown
	}
	if tg.Node == f.topo.Local() {
		st := admin.State(f.node.State.Load())
		if st != admin.Normal && !(f.plan.Req.Write && st.AllowsWrite()) {
			return nil, replica.InvalidState // docs/compat.md §4.8: local execution gated
		}
		return f.node.Links[f.owner.Pin], replica.StorageRefused
	}
	if tg.Node < 0 || tg.Node >= len(f.topo.Peers) || f.topo.Peers[tg.Node] == nil {
		return nil, replica.PeerNotConnected
	}
	return f.topo.Peers[tg.Node].Pick(f.owner.ID), replica.PeerNotConnected
}

// Answer (msg.Owner) takes the reply of copy m (reply bytes, or a failure
// code). It runs on the poller of the connection m was queued on, whose
// batch b writes a retry and flushes the client.
func (f *fanout) Answer(m *msg.Msg, reply []byte, code replica.Code, b *batch.Batch) {
	i, tardy := int(m.Idx), m.Late
	m.Release()
	f.mu.Lock()
	f.refs--
	f.hintFailed(i, reply, code, tardy)
	if code == replica.NoError && i < len(f.plan.Targets) {
		f.topo.Replied(f.plan.Targets[i].Node)
	}
	late := f.decided
	if !late {
		f.step(i, reply, code, b)
	}
	if f.rr != nil {
		f.readRepairAnswer(i, reply, code, late, b)
	}
	done := f.refs == 0
	f.mu.Unlock()
	if done {
		f.release()
	}
}

// step feeds the tracker with the reply of target i. Callers hold f.mu.
func (f *fanout) step(i int, reply []byte, code replica.Code, b *batch.Batch) {
	p := &f.node.proto
	if code != replica.NoError {
		reply = p.codeReply(code)
	}
	r := replica.Reply{Code: code, Err: code != replica.NoError || p.errorReply(reply)}
	if f.sum && !r.Err {
		r.Sum = crc32.ChecksumIEEE(reply)
	}
	switch f.tr.Step(i, r) {
	case replica.Retry:
		j := len(f.plan.Targets) - 1
		f.send(j, f.frame.B, b)
	case replica.Won, replica.Lost:
		f.statsDecided()
		w, wcode := f.tr.Result()
		var out []byte
		switch {
		case wcode != replica.NoError:
			out = p.codeReply(wcode)
		case w == i:
			out = reply
		case w >= 0 && w < len(f.kept) && f.kept[w] != nil:
			out = f.kept[w].B
		default:
			out = p.codeReply(replica.UnknownError)
		}
		if f.rr != nil {
			out = f.readRepairDecide(i, reply, wcode, out, b)
		}
		f.answerOwner(out, b)
	default:
		if i < len(f.plan.Targets) && f.plan.Targets[i].Counted {
			f.keep(i, reply)
		}
	}
}

// keep stores a copy of the reply of target i. Callers hold f.mu.
func (f *fanout) keep(i int, reply []byte) {
	for len(f.kept) <= i {
		f.kept = append(f.kept, nil)
	}
	b := f.node.Core.Bufs.Get()
	b.B = append(b.B, reply...)
	f.kept[i] = b
}

// answerOwner gives the owner the decided reply. Callers hold f.mu.
func (f *fanout) answerOwner(reply []byte, b *batch.Batch) {
	f.decided = true
	f.refs--
	if f.multi != nil {
		f.multi.answerPart(f.part, reply, b)
		return
	}
	m := f.m
	f.m = nil
	f.owner.Reply(m, reply, b)
}

// hintFailed records a hint when the copy of a write to target i failed,
// was answered with an error, or was applied late (msg.Msg.Late: the
// replay then copies the key's current value and expiry over what the
// late write left). Callers hold f.mu.
func (f *fanout) hintFailed(i int, reply []byte, code replica.Code, late bool) {
	if f.frame == nil || !f.plan.Req.Write || i < 0 || i >= len(f.plan.Targets) {
		return
	}
	if code == replica.NoError && !late && !f.node.proto.errorReply(reply) {
		return
	}
	f.node.HintWrite(f.topo, f.plan.Targets[i], f.frame.B)
}
