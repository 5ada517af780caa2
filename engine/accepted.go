package engine

import (
	"errors"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/fifo"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/outbound"
	"github.com/dynomite-go/dynomite/replica"
)

// client is the state of a client connection, guarded by conn.mu.
type client struct {
	id      uint64
	srv     *outbound.Link       // datastore connection link this client is pinned to
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
}

// onClientInput consumes b, the bytes netpoll read for client c, plus any
// carried partial frame. It runs on a poller and never blocks on I/O.
func (c *accepted) onClientInput(b []byte) {
	c.inMu.Lock()
	c.statsInput()
	buf, fromCarry := c.JoinCarry(b)
	c.B.Now = c.BatchClock()
	off := c.kind.consume(c, buf)
	c.statsInputDone()
	c.KeepTail(buf, off, fromCarry)
	overflow := c.carryOverflow()
	done := c.B.Take()
	c.inMu.Unlock()
	if overflow {
		c.MarkFailed()
		c.node.log.Warn("closing client that sends without reading replies", "client", c.id)
		c.Mu.Lock()
		c.quitting = true
		c.AppendOut(c.node.proto.inputOverflow)
		c.Mu.Unlock()
	}
	self := done.Flushes(c)
	done.Run()
	if !self {
		c.Flush()
	}
}

// resume consumes what a paused client left in carry.
func (c *accepted) resume() {
	c.onClientInput(nil)
}

// carryOverflow reports a client whose unconsumed input passed the bound
// while it is paused. Callers hold inMu.
func (c *accepted) carryOverflow() bool {
	return c.Carry != nil && len(c.Carry.B) > c.node.maxPausedInput && c.isPaused()
}

func (c *accepted) isPaused() bool {
	c.Mu.Lock()
	p := c.paused
	c.Mu.Unlock()
	return p
}

// consumeRequests is a client's framer and handler (inKind.consume): it
// handles every complete request at the front of buf and returns how many
// bytes it used. It stops early when the client is paused.
func (c *accepted) consumeRequests(buf []byte) int {
	off := 0
	for off < len(buf) {
		switch c.admitNext() {
		case inputDrop:
			return len(buf)
		case inputPause:
			return off
		}
		n, res := c.node.proto.parse(c, buf[off:])
		switch res {
		case parseMore:
			return off
		case parseClose:
			return len(buf)
		case parseFrame:
			c.node.proto.handle(c, buf[off:off+n])
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
func (c *accepted) admitNext() inputVerdict {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	switch {
	case c.quitting || c.Closed:
		return inputDrop
	case c.node.closing.Load() || c.pending.Len() >= c.pipelineCap() || c.Unsent() >= c.node.maxUnsent:
		c.paused = true
		return inputPause
	}
	return inputGo
}

// protocolError is badInput for a malformed RESP request: its reply is
// the parser's error.
func (c *accepted) protocolError(err error) {
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
func (c *accepted) badInput(reply []byte, err error) {
	if !c.kind.client {
		c.node.log.Warn("closing peer connection: bad request payload", "peer", c.NC.RemoteAddr().String(), "err", err)
		c.parser.Reset()
		c.mc.parser.Reset()
	} else if reply != nil {
		c.local(reply)
	}
	c.MarkFailed()
	c.Mu.Lock()
	c.quitting = true
	c.Mu.Unlock()
}

// handle routes one complete request frame.
func (c *accepted) handle(frame []byte) {
	n := c.node
	if reply, ok := c.req.Validate(c.scratch[:0]); !ok {
		c.scratch = reply // unknown command, unknown subcommand, wrong arity
		c.local(reply)
		return
	}
	args, cmd := c.req.Args, c.req.Cmd
	c.countRequest(cmd)
	switch {
	case cmd == n.cmdQuit:
		c.local(resp.ReplyOK)
		c.Mu.Lock()
		c.quitting = true
		c.Mu.Unlock()
	case cmd == n.cmdConsistency:
		c.setConsistency(args[1])
	case cmd.FirstKey > 0 && cmd.FirstKey < len(args) && len(args[cmd.FirstKey]) == 0:
		c.local(resp.ReplyEmptyKey)
	case cmd.Flags&resp.FlagUnsupported != 0:
		c.local(resp.ReplyNotSupported)
	default:
		c.dispatch(frame)
	}
}

// setConsistency implements dyno_config:conn_consistency <level>: the level
// is kept on the connection (one node: every level behaves as DC_ONE).
func (c *accepted) setConsistency(level []byte) {
	l, ok := replica.ParseLevelBytes(level)
	if !ok {
		c.local(resp.ReplyBadConsistency)
		return
	}
	c.rlevel, c.wlevel = l, l
	c.local(resp.ReplyOK)
}

// forward sends the request frame to the client's datastore connection.
// The frame's bytes are copied into the server's output; nothing else is
// kept, so the caller may reuse buf afterwards.
func (c *accepted) forward(frame []byte) {
	n := c.node
	if c.rejectByState() {
		return
	}
	if !n.admit() {
		c.local(n.proto.tooManyMsgs)
		return
	}
	m := n.msgs.Acquire(c)
	m.PeerID = c.curID
	m.Mute = c.mc.mute
	c.statsTag(m, len(frame))
	c.Mu.Lock()
	c.pending.Push(m)
	c.inflight++
	c.Mu.Unlock()
	if !c.srv.Enqueue(frame, m, &c.B) {
		c.answer(m, n.proto.codeReply(replica.StorageRefused), &c.B)
	}
}

// local answers the current request with a fixed reply.
func (c *accepted) local(reply []byte) {
	if c.mc.mute != memcache.MuteNone {
		if reply = c.mc.mute.Apply(reply); len(reply) == 0 {
			return
		}
	}
	c.Mu.Lock()
	if c.pending.Len() == 0 {
		c.appendReply(c.curID, reply)
	} else {
		m := c.node.acquireLocal(c)
		m.PeerID = c.curID
		m.SetReply(reply)
		c.pending.Push(m)
	}
	c.Mu.Unlock()
}
