package inbound

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/fifo"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/session"
	"github.com/dynomite-go/dynomite/replica"
	"github.com/dynomite-go/dynomite/ring"
)

// Conn is a connection accepted by a listener: a client's, or a peer's on
// dyn_listen. Input is requests, output is replies in request order,
// flushed once per batch (reply.go). See the engine's doc.go for the life
// of a request.
type Conn struct {
	core.Sock
	env  *Env
	Kind *Kind

	// ID numbers the connection in its node; Pin is the index of the
	// node's datastore link its requests go to. Set before the first
	// input, read-only afterwards.
	ID  uint64
	Pin int
	// addrs gives the connection's addresses (CLIENT INFO).
	addrs session.Conn

	// Input side. Used by the goroutine that holds inMu: the poller running
	// OnInput, or a resume after a pause.
	inMu   sync.Mutex
	parser resp.Parser
	// Req is the Redis request being handled (valid during Env.Dispatch).
	Req    resp.Request
	mc     mcIn // memcached request state (memcache.go)
	peerIn      // dnode framing of a peer's requests (dnode.go)
	// Route is the router's scratch (input side).
	Route Scratch
	// Dedicated is the client's dedicated datastore connection while it
	// has one (engine/dedicated); input side only.
	Dedicated any

	// Sess is a Redis client's session: user, protocol, name (input side).
	Sess session.State
	// proto3 mirrors Sess.Proto() == 3 for the output side (tunnel.go).
	proto3 atomic.Bool

	// linger keeps a half-closed client's socket for its replies (halfclose.go).
	linger lingerState

	// replies is the client's CLIENT REPLY mode (input side).
	replies replyMode

	client // reply queue and flow control, guarded by Mu
}

// Scratch is the router's per-connection scratch, used on the input side
// only (during Env.Dispatch or Env.Peer).
type Scratch struct {
	Rewrite []byte  // a request rewritten before routing (SMEMBERS under DC_SAFE_QUORUM)
	KeyIdx  []int   // scratch for Command.Keys
	PartTok []int64 // multi-key split: token of each owner's first key, -1 unset

	SplitRing *ring.Snapshot       // the ring a split runs against
	OwnerFn   func(key []byte) int // the split's owner function, bound once
}

// client is the state of a client connection, guarded by Mu.
type client struct {
	pending fifo.Queue[*msg.Msg] // requests in arrival order whose replies are not in out yet
	// inflight counts pending requests waiting for the datastore.
	inflight int
	// paused: the input side stopped consuming frames because the client
	// does not read its replies (see pauseLimits). The unparsed bytes stay
	// in carry; resume picks them up.
	paused bool
	dirty  bool // in a batch's flush list, flush pending
	// quitting: QUIT or a malformed frame was seen; further input is
	// dropped and the connection closes once its replies are flushed.
	quitting bool
	// rlevel and wlevel are the connection's read and write consistency:
	// the node's defaults when accepted (statsOpen), then what
	// dyno_config:conn_consistency sets. Input side only (inMu).
	rlevel, wlevel replica.Level
	scratch        []byte // error replies are encoded here before being queued
	// out3 is where replies to a RESP3 client are converted (output side).
	out3 []byte
}

// OnInput consumes b, the bytes netpoll read for c, plus any carried
// partial frame. It runs on a poller and never blocks on I/O.
func (c *Conn) OnInput(b []byte) {
	c.inMu.Lock()
	c.statsInput()
	buf, fromCarry := c.JoinCarry(b)
	c.B.Now = c.BatchClock()
	off := c.Kind.consume(c, buf)
	c.statsInputDone()
	c.KeepTail(buf, off, fromCarry)
	overflow := c.carryOverflow()
	done := c.B.Take()
	c.inMu.Unlock()
	if overflow {
		c.MarkFailed()
		c.env.Log.Warn("closing client that sends without reading replies", "client", c.ID)
		c.Mu.Lock()
		c.quitting = true
		c.AppendOut(c.env.inputOverflow)
		c.Mu.Unlock()
	}
	self := done.Flushes(c)
	done.Run()
	if !self {
		c.Flush()
	}
}

// resume consumes what a paused client left in carry.
func (c *Conn) resume() {
	c.OnInput(nil)
}

// carryOverflow reports a client whose unconsumed input passed the bound
// while it is paused. Callers hold inMu.
func (c *Conn) carryOverflow() bool {
	return c.Carry != nil && len(c.Carry.B) > c.env.MaxPausedInput && c.isPaused()
}

func (c *Conn) isPaused() bool {
	c.Mu.Lock()
	p := c.paused
	c.Mu.Unlock()
	return p
}

// consumeRequests is a client's framer and handler (Kind.consume): it
// handles every complete request at the front of buf and returns how many
// bytes it used. It stops early when the client is paused.
func (c *Conn) consumeRequests(buf []byte) int {
	off := 0
	for off < len(buf) {
		switch c.admitNext() {
		case inputDrop:
			return len(buf)
		case inputPause:
			return off
		}
		n, res := c.env.parse(c, buf[off:])
		switch res {
		case parseMore:
			return off
		case parseClose:
			return len(buf)
		case parseFrame:
			c.env.handle(c, buf[off:off+n])
		}
		off += n
	}
	return off
}

type inputVerdict uint8

const (
	inputGo inputVerdict = iota
	inputPause
	inputDrop
)

// admitNext decides whether the next frame may be consumed: not after QUIT
// or a malformed frame (drop), not while the node shuts down or the client
// has too many requests pending or too many reply bytes unsent (pause).
func (c *Conn) admitNext() inputVerdict {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	switch {
	case c.quitting || c.Closed:
		return inputDrop
	case c.env.Closing.Load() || c.pending.Len() >= c.Kind.pipeline || c.Unsent() >= c.env.MaxUnsent:
		c.paused = true
		return inputPause
	}
	return inputGo
}

// protocolError is badInput for a malformed RESP request: its reply is
// the parser's error.
func (c *Conn) protocolError(err error) {
	var pe *resp.ProtocolError
	reply := resp.ReplyProtocolError
	if errors.As(err, &pe) {
		reply = pe.Reply()
	}
	c.badInput(reply, err)
}

// badInput stops reading a connection whose input cannot be parsed and
// closes it once the replies before the bad frame are flushed. A client
// gets reply first (none when nil); a peer gets none, the failure is
// logged.
func (c *Conn) badInput(reply []byte, err error) {
	if !c.Kind.Client {
		c.env.Log.Warn("closing peer connection: bad request payload", "peer", c.NC.RemoteAddr().String(), "err", err)
		c.parser.Reset()
		c.mc.parser.Reset()
	} else if reply != nil {
		c.Local(reply)
	}
	c.MarkFailed()
	c.Mu.Lock()
	c.quitting = true
	c.Mu.Unlock()
}

// refuser is what handle uses of a dedicated session (Conn.Dedicated):
// Refuse answers the request being handled with reply (which it keeps) in
// order with the session's replies, aborting an open transaction as Redis
// does for a command it cannot queue; false when the session has ended.
type refuser interface {
	Refuse(reply []byte, b *batch.Batch) bool
}

// answerer is a dedicated session that answers, in order with its own
// replies, a request the node serves itself.
type answerer interface {
	Answer(reply []byte, b *batch.Batch) bool
}

// handle acts on one complete Redis request frame. While the client has
// turned its replies off (CLIENT REPLY OFF or SKIP) the request is muted:
// its reply, whoever makes it, is dropped.
func (c *Conn) handle(frame []byte) {
	if c.replies == repliesOn {
		c.handleRequest(frame)
		return
	}
	c.mc.mute = memcache.MuteAll
	if c.replies == repliesSkip {
		c.replies = repliesOn
	}
	c.handleRequest(frame)
	c.mc.mute = memcache.MuteNone
}

// handleRequest is handle for one request, muted or not.
func (c *Conn) handleRequest(frame []byte) {
	e := c.env
	if reply, ok := c.Req.Validate(c.scratch[:0]); !ok {
		c.scratch = reply // unknown command, unknown subcommand, wrong arity
		if r, ok := c.Dedicated.(refuser); ok && r.Refuse(append([]byte(nil), reply...), &c.B) {
			return // in order with the session's replies; a transaction aborts
		}
		c.Local(reply)
		return
	}
	args, cmd := c.Req.Args, c.Req.Cmd
	c.countRequest(cmd)
	if cmd == e.cmdReset {
		c.reset(frame)
		return
	}
	if reply, done := c.Sess.Gate(e.Session, &c.Req, session.Client{ID: c.ID, Conn: c.addrs, Now: c.B.Now}, c.scratch[:0]); done {
		c.scratch = reply // AUTH, HELLO, CLIENT, SELECT; NOAUTH, NOPERM, refusals
		if is3 := c.Sess.Proto() == 3; c.proto3.Swap(is3) != is3 && is3 && e.RESP3 != nil {
			e.RESP3()
		}
		if a, ok := c.Dedicated.(answerer); ok && a.Answer(reply, &c.B) {
			return // in order with the session's replies
		}
		c.Local(reply)
		return
	}
	if cmd == e.cmdClientReply {
		c.clientReply(args[2])
		return
	}
	if c.Dedicated != nil {
		// In a dedicated session every request goes down the client's own
		// connection, so that replies keep their order.
		e.Dedicated(c, frame)
		return
	}
	switch {
	case cmd == e.cmdQuit:
		c.Local(resp.ReplyOK)
		c.Mu.Lock()
		c.quitting = true
		c.Mu.Unlock()
	case cmd == e.cmdConsistency:
		c.setConsistency(args[1])
	case cmd.Flags&resp.FlagPubSub != 0 || cmd.Dedicated(args):
		e.Dedicated(c, frame)
	case cmd.Flags&resp.FlagUnsupported != 0:
		c.Local(resp.ReplyNotSupported)
	default:
		e.Dispatch(c, frame)
	}
}

// setConsistency implements dyno_config:conn_consistency <level>: the level
// is kept on the connection (one node: every level behaves as DC_ONE).
func (c *Conn) setConsistency(level []byte) {
	l, ok := replica.ParseLevelBytes(level)
	if !ok {
		c.Local(resp.ReplyBadConsistency)
		return
	}
	c.rlevel, c.wlevel = l, l
	c.Local(resp.ReplyOK)
}

// Level is the connection's consistency level for a read or a write.
// Input side only.
func (c *Conn) Level(write bool) replica.Level {
	if write {
		return c.wlevel
	}
	return c.rlevel
}

// Mute is how the replies of the request being handled are cut before
// the client sees them (memcached's noreply and q; for Redis MuteAll
// under CLIENT REPLY OFF or SKIP, else MuteNone).
// Input side only.
func (c *Conn) Mute() memcache.Mute { return c.mc.mute }

// Muted reports whether the reply of the request being handled must be
// dropped (CLIENT REPLY OFF or SKIP). Input side only.
func (c *Conn) Muted() bool { return c.mc.mute == memcache.MuteAll }

// MC is the memcached request being handled (valid during Env.Dispatch).
func (c *Conn) MC() *memcache.Request { return &c.mc.req }

// Push queues m, the msg of the request being handled, in the reply order
// as a request in flight; Reply gives it its reply. m.PeerID is set to
// the request's dnode id.
func (c *Conn) Push(m *msg.Msg) {
	m.PeerID = c.curID
	if c.Sess.Proto() == 3 {
		m.RESP3 = 1 + uint8(session.ShapeFor(c.Req.Cmd, c.Req.Args))
	}
	c.Mu.Lock()
	c.pending.Push(m)
	c.inflight++
	c.Mu.Unlock()
}

// Local answers the request being handled with a fixed reply.
func (c *Conn) Local(reply []byte) {
	if c.mc.mute != memcache.MuteNone {
		if reply = c.mc.mute.Apply(reply); len(reply) == 0 {
			return
		}
	}
	c.Mu.Lock()
	if c.pending.Len() == 0 {
		c.appendReply(c.curID, reply)
	} else {
		m := c.env.acquireLocal(c)
		m.PeerID = c.curID
		m.SetReply(reply)
		c.pending.Push(m)
	}
	c.Mu.Unlock()
}
