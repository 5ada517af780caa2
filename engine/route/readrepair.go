package route

import (
	"time"

	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/replica"
	"github.com/dynomite-go/dynomite/replica/repair"
)

// Read repair, C Dynomite's way (docs/compat.md §3.6; the pure part is
// replica/repair). On only while read_repairs_enabled (or
// /read_repairs/enable) holds and the node's read and write levels are
// both above DC_ONE; Redis only.
//
//	dispatch ─▶ readRepairRewrite: a repairable command becomes an EVAL
//	            with the coordinator's wall clock in ms (every replica gets
//	            the same bytes); a read or a delete keeps a readRepair on
//	            its fanout, other writes keep nothing
//	step (decision) ─▶ readRepairDecide, reads: the counted replies
//	            [status, ts, value] so far go through repair.Decide; stale
//	            replicas get a repair write (background); the client gets
//	            the winner's value element, a plain Redis reply
//	Answer (after) ─▶ readRepairAnswer: a read's late reply older than
//	            the winner is repaired too, one newer repairs the others
//	            (the client got the older value, as from C); a delete
//	            answered well by every
//	            counted replica sends the tombstone clean-up to every target
//
// A background write is an ordinary msg on the target's link whose owner
// drops the reply (discardOwner); nothing waits for it.
//
// With read repair off the router pays one atomic load per request and a
// nil test per reply: no rewrite, no allocation.

// readRepair is the read-repair state of one routed request; nil when the
// request was not rewritten (or it is a plain write, which needs nothing
// after its rewrite). Guarded by its fanout's mu.
type readRepair struct {
	ts   uint64
	read bool // replies are [status, ts, value]
	del  bool // a delete: clean the tombstones once every replica answered
	// orig is the client's request before the rewrite, parsed again for
	// the repair and clean-up writes.
	orig *bytebufferpool.ByteBuffer
	// win is the freshest reply seen of a read, its value copied to winV
	// (zero while no timestamped reply won).
	win  repair.Reply
	winV *bytebufferpool.ByteBuffer
	// acked counts the counted replicas that answered a delete without an
	// error; failed: one did not, so the tombstones must stay.
	acked  int
	failed bool
	swept  bool // the clean-up was sent
}

// ReadRepairOn reports whether requests are rewritten now (spec §3.6).
func (n *Router) ReadRepairOn() bool {
	return !n.proto.memcache && n.Repairs.Load() &&
		replica.Level(n.RLevel.Load()) > replica.DCOne &&
		replica.Level(n.WLevel.Load()) > replica.DCOne
}

// readRepairRewrite rewrites the client's request (c.Req, whose bytes are
// frame) for read repair when it is on and the command is one C rewrites.
// It returns the frame to route (the EVAL in c.Route.Rewrite, valid until
// the next rewrite on c, or frame unchanged) and the state the fanout
// keeps, nil when none is needed. Called by dispatch while the
// admin flag is set.
func (n *Router) readRepairRewrite(c *accepted, req replica.Request, frame []byte) (*readRepair, []byte) {
	if req.Routing != replica.RouteNormal || !n.ReadRepairOn() {
		return nil, frame
	}
	args := c.Req.Args
	if len(args) < 2 {
		return nil, frame
	}
	kind := repair.KindOf(args[0])
	// SET with options (EX, PX, NX, XX, KEEPTTL...) is sent as is: C's
	// rewrite would drop them and with them the expiry or the condition.
	if kind == repair.KindNone || kind == repair.KindSet && len(args) != 3 {
		return nil, frame
	}
	ts := uint64(time.Now().UnixMilli())
	out, ok := repair.AppendEval(c.Route.Rewrite[:0], repair.Script(kind), args, ts)
	if !ok {
		return nil, frame
	}
	c.Route.Rewrite = out
	read := repair.Repairable(args[0])
	del := kind == repair.KindDel || kind == repair.KindHDel
	if !read && !del {
		return nil, out
	}
	rr := &readRepair{ts: ts, read: read, del: del}
	rr.orig = n.Core.Bufs.Get()
	rr.orig.B = append(rr.orig.B, frame...)
	return rr, out
}

// releaseReadRepair returns the buffers of f.rr and clears it. Called by
// release.
func (f *fanout) releaseReadRepair() {
	if f.rr == nil {
		return
	}
	f.node.Core.Bufs.Put(f.rr.orig)
	f.node.Core.Bufs.Put(f.rr.winV)
	f.rr = nil
}

// readRepairDecide runs when the tracker decided a rewritten read: reply
// is target i's reply, out what the router would answer (the tracker's
// choice, or the failure reply wcode). It returns what the client gets:
// the freshest value when replicas disagree in time (and sends them
// their repairs), else the value element of out; out itself when it is
// not a timestamped reply (an error). Callers hold f.mu.
func (f *fanout) readRepairDecide(i int, reply []byte, wcode replica.Code, out []byte, b *batch.Batch) []byte {
	rr := f.rr
	if !rr.read {
		return out
	}
	var (
		stk     [8]repair.Reply
		istk    [8]int
		replies = stk[:0]
		idx     = istk[:0]
	)
	for j, tg := range f.plan.Targets {
		if !tg.Counted {
			continue
		}
		var r []byte
		switch {
		case j == i:
			r = reply
		case j < len(f.kept) && f.kept[j] != nil:
			r = f.kept[j].B
		default:
			continue
		}
		if p, err := repair.ParseReply(r); err == nil {
			replies, idx = append(replies, p), append(idx, j)
		}
	}
	d := repair.Decide(replies)
	if d.Repair && (wcode == replica.NoError || wcode == replica.NoQuorum) {
		w := replies[d.Winner]
		for k, r := range replies {
			// Every reply older than the winner is repaired, also the
			// ones Decide leaves unmarked after a tie (C's quirk).
			if k != d.Winner && (d.Stale[k] || r.Status != 'X' && r.TS < w.TS) {
				f.sendRepair(f.plan.Targets[idx[k]], w, d.ByAdd, b)
			}
		}
		f.keepWinner(w)
		return w.Value
	}
	p, err := repair.ParseReply(out)
	if err != nil {
		return out
	}
	f.keepWinner(p)
	return p.Value
}

// keepWinner keeps the reply the client gets, for the replies that come
// after the decision. Callers hold f.mu.
func (f *fanout) keepWinner(w repair.Reply) {
	rr := f.rr
	if w.Status == 'X' {
		return
	}
	rr.winV = f.node.Core.Bufs.Get()
	rr.winV.B = append(rr.winV.B, w.Value...)
	rr.win = w
	rr.win.Value = rr.winV.B
}

// readRepairAnswer sees every reply of a rewritten request: after the
// decision (late is true) a read's reply older than the winner gets its
// repair, and one newer than it repairs the others; a delete counts its good replies and, once every counted
// replica answered well, sends the tombstone clean-up. Callers hold f.mu.
func (f *fanout) readRepairAnswer(i int, reply []byte, code replica.Code, late bool, b *batch.Batch) {
	rr := f.rr
	if i < 0 || i >= len(f.plan.Targets) || !f.plan.Targets[i].Counted {
		return
	}
	good := code == replica.NoError && !f.node.proto.errorReply(reply)
	if rr.read {
		if !late || !good {
			return
		}
		p, err := repair.ParseReply(reply)
		switch {
		case err != nil || p.Status == 'X':
		case p.TS < rr.win.TS:
			f.sendRepair(f.plan.Targets[i], rr.win, rr.win.Status == 'E', b)
		case p.TS > rr.win.TS:
			// Newer than what the client got (C drops it): the
			// replicas that answered before are all older; bring every
			// other replica to it (a replica already as new refuses
			// the write).
			for j, tg := range f.plan.Targets {
				if j != i && tg.Counted {
					f.sendRepair(tg, p, p.Status == 'E', b)
				}
			}
			f.node.Core.Bufs.Put(rr.winV)
			rr.winV = nil
			f.keepWinner(p)
		}
		return
	}
	if !rr.del || rr.swept {
		return
	}
	if !good {
		rr.failed = true
		return
	}
	rr.acked++
	counted := 0
	for _, tg := range f.plan.Targets {
		if tg.Counted {
			counted++
		}
	}
	if rr.failed || rr.acked < counted {
		return
	}
	rr.swept = true
	f.sendCleanup(b)
}

// origArgs parses the client's request again; ok is false when it does
// not parse (it always does: it was parsed before).
func (rr *readRepair) origArgs(req *resp.Request) bool {
	var p resp.Parser
	_, err := p.Parse(rr.orig.B, req)
	return err == nil && len(req.Args) >= 2
}

// sendRepair sends target tg the write that brings it to the winner's
// state, rewritten with the winner's timestamp. Callers hold f.mu.
func (f *fanout) sendRepair(tg replica.Target, w repair.Reply, byAdd bool, b *batch.Batch) {
	var req resp.Request
	if !f.rr.origArgs(&req) {
		return
	}
	args := repair.RepairArgs(req.Args, w, byAdd)
	if args == nil {
		return
	}
	frame, ok := repair.AppendEval(nil, repair.Script(repair.KindOf(args[0])), args, w.TS)
	if !ok {
		return
	}
	tg.Forward = false // straight to the stale replica, as C does
	if f.sendBackground(tg, frame, b) {
		f.node.ReadRepairs.Add(1)
	}
}

// sendCleanup sends the tombstone clean-up of a delete to every target of
// the request, the way the delete itself went. Callers hold f.mu.
func (f *fanout) sendCleanup(b *batch.Batch) {
	var req resp.Request
	if !f.rr.origArgs(&req) {
		return
	}
	frame, ok := repair.AppendCleanup(nil, repair.CleanupScript(), req.Args, f.rr.ts)
	if !ok {
		return
	}
	for _, tg := range f.plan.Targets {
		f.sendBackground(tg, frame, b)
	}
}

// sendBackground queues frame for target tg with nobody waiting for the
// reply, and reports whether it was queued. Callers hold f.mu.
func (f *fanout) sendBackground(tg replica.Target, frame []byte, b *batch.Batch) bool {
	lk, _ := f.slotFor(tg)
	if lk == nil {
		return false
	}
	m := f.node.Msgs.Acquire(discardOwner{})
	m.Idx = -1
	m.Write, m.Forward = true, tg.Forward
	if lk.Enqueue(frame, m, b) {
		return true
	}
	m.Release()
	return false
}

// discardOwner is the owner of a background write: its reply is dropped.
type discardOwner struct{}

// Answer drops the reply (msg.Owner).
func (discardOwner) Answer(m *msg.Msg, _ []byte, _ replica.Code, _ *batch.Batch) { m.Release() }
