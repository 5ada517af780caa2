package inbound

import (
	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/session"
	"github.com/dynomite-go/dynomite/engine/sock"
	"github.com/dynomite-go/dynomite/replica"
)

// Reply path of a client connection.
//
// Replies are appended to the client's output in request order: a reply
// for the oldest pending request goes straight to out, followed by any
// later replies that were already complete; a reply that overtakes an
// earlier request (only local replies can) waits in its msg. Whoever
// appended calls Flush once per batch: the server conn once per
// datastore read for every client it touched, the client's own input path
// once per read. Flush makes one non-blocking write; what the socket
// does not take goes to slowFlush, a goroutine that waits for writability
// through netpoll, so no poller ever blocks on a slow client. While a slow
// flush runs, new replies only accumulate; the input side pauses when they
// pass Env.MaxUnsent and resumes when they drain.

// Answer (msg.Owner) gives m, a request c forwarded, its reply or the
// reply of the failure code.
func (c *Conn) Answer(m *msg.Msg, reply []byte, code replica.Code, b *batch.Batch) {
	if code != replica.NoError {
		reply = c.env.CodeReply(code)
	}
	c.Reply(m, reply, b)
}

// Reply gives m, a request of c's that Push queued, its reply; b
// flushes c at its end. The caller must not touch m afterwards.
func (c *Conn) Reply(m *msg.Msg, reply []byte, b *batch.Batch) {
	if m.Mute != memcache.MuteNone {
		reply = m.Mute.Apply(reply)
	}
	c.Mu.Lock()
	if c.Closed {
		c.Mu.Unlock()
		c.env.release(m)
		return
	}
	if m.RESP3 != 0 {
		reply = c.toRESP3(reply, m.RESP3)
	}
	c.inflight--
	if c.pending.Peek() == m {
		c.pending.Pop()
		c.appendReply(m.PeerID, reply)
		c.env.release(m)
		c.moveDone()
	} else {
		m.SetReply(reply)
	}
	if !c.dirty {
		c.dirty = true
		b.Flush(c)
	}
	c.Mu.Unlock()
}

// keep3 bounds the conversion buffer a connection keeps between replies.
const keep3 = 64 << 10

// toRESP3 is reply converted for a RESP3 client by its request's shape
// (msg.Msg.RESP3), in c's conversion buffer: valid until the next call.
// A reply that does not parse as RESP2 is returned as it is. Callers
// hold Mu.
func (c *Conn) toRESP3(reply []byte, r3 uint8) []byte {
	out, err := session.AppendRESP3(c.out3[:0], reply, session.Shape(r3-1))
	if err != nil {
		return reply
	}
	if cap(out) <= keep3 {
		c.out3 = out[:0]
	} else {
		c.out3 = nil
	}
	return out
}

// moveDone moves the replies of completed requests at the head of pending
// to out. Callers hold Mu.
func (c *Conn) moveDone() {
	for m := c.pending.Peek(); m != nil && m.Done; m = c.pending.Peek() {
		c.pending.Pop()
		c.appendReply(m.PeerID, m.Reply.B)
		c.env.release(m)
	}
}

// Flush (batch.Flusher) writes out with one non-blocking write, then
// closes the connection after QUIT or resumes a paused input side when due.
func (c *Conn) Flush() {
	c.Mu.Lock()
	c.dirty = false
	if c.Closed || c.Flushing {
		c.Mu.Unlock()
		return
	}
	if c.Out != nil && len(c.Out.B) > 0 {
		if c.Sealer != nil {
			if err := c.SealOut(); err != nil {
				c.Mu.Unlock()
				c.env.Log.Debug("client write failed", "client", c.ID, "err", err)
				c.FailLater()
				return
			}
		}
		n, err := sock.WriteSome(c.FD, c.Out.B)
		if err != nil {
			c.Mu.Unlock()
			c.env.Log.Debug("client write failed", "client", c.ID, "err", err)
			c.FailLater()
			return
		}
		if n < len(c.Out.B) {
			b := c.TakeOut()
			c.Held = len(b.B) - n
			c.Flushing = true
			c.Mu.Unlock()
			go c.slowFlush(b, n)
			return
		}
		c.env.Core.Bufs.Put(c.TakeOut())
	}
	closeNow, resume := c.afterFlush()
	c.Mu.Unlock()
	c.afterFlushAct(closeNow, resume)
}

// afterFlush decides, once out is empty, whether to close (QUIT or protocol
// error answered) or to resume a paused input side. Callers hold Mu.
func (c *Conn) afterFlush() (closeNow, resume bool) {
	if c.quitting {
		return c.pending.Len() == 0, false
	}
	if c.paused && !c.env.Closing.Load() &&
		c.pending.Len() <= c.Kind.pipeline/2 && c.Unsent() <= c.env.MaxUnsent/2 {
		c.paused = false
		return false, true
	}
	return false, false
}

func (c *Conn) afterFlushAct(closeNow, resume bool) {
	switch {
	case closeNow:
		c.CloseLater()
	case resume:
		c.resume()
	}
}

// slowFlush writes b[off:] and then whatever accumulated meanwhile, waiting
// for the socket as long as needed. It runs on its own goroutine and owns
// the socket's writes until it returns (flushing is set).
func (c *Conn) slowFlush(b *bytebufferpool.ByteBuffer, off int) {
	for {
		c.WMu.Lock()
		err := c.BlockingWrite(b.B[off:])
		c.WMu.Unlock()
		if err != nil {
			c.Mu.Lock()
			c.Flushing, c.Held = false, 0
			c.Mu.Unlock()
			c.FailLater()
			return
		}
		c.env.Core.Bufs.Put(b)
		c.Mu.Lock()
		c.Held = 0
		if c.Closed || c.Out == nil || len(c.Out.B) == 0 {
			c.Flushing = false
			closeNow, resume := c.afterFlush()
			c.Mu.Unlock()
			c.afterFlushAct(closeNow, resume)
			return
		}
		if c.Sealer != nil {
			if err := c.SealOut(); err != nil {
				c.Flushing = false
				c.Mu.Unlock()
				c.FailLater()
				return
			}
		}
		b, off = c.TakeOut(), 0
		c.Held = len(b.B)
		c.Mu.Unlock()
	}
}

// OnClose runs once when netpoll closes the connection, before the
// descriptor is closed. Requests still at the datastore are released by
// Reply when their replies (or failures) come back.
func (c *Conn) OnClose() {
	c.MarkGone()
	c.WMu.Lock()
	//lint:ignore SA2001 a barrier: a slow flush holding wmu has left netpoll's output buffer
	c.WMu.Unlock()
	c.Mu.Lock()
	if c.Closed {
		c.Mu.Unlock()
		return
	}
	if c.startLinger() {
		c.Mu.Unlock()
		return
	}
	c.teardown()
}

// teardown releases everything the client holds. Callers hold Mu;
// it is released.
func (c *Conn) teardown() {
	c.Closed = true
	c.statsClosed()
	for i, n := 0, c.pending.Len(); i < n; i++ {
		if m := c.pending.Pop(); m.Done {
			c.env.release(m)
		}
	}
	c.env.Core.Bufs.Put(c.TakeOut())
	c.Mu.Unlock()
	c.inMu.Lock()
	c.env.Core.Bufs.Put(c.Carry)
	c.Carry = nil
	c.inMu.Unlock()
	c.env.Closed(c)
}
