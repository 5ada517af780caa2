package engine

import (
	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/msg"
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
// pass Node.maxUnsent and resumes when they drain.

// Answer (msg.Owner) gives m, a request c forwarded, its reply or the
// reply of the failure code.
func (c *accepted) Answer(m *msg.Msg, reply []byte, code replica.Code, b *batch.Batch) {
	if code != replica.NoError {
		reply = c.node.proto.codeReply(code)
	}
	c.answer(m, reply, b)
}

// answer gives m its reply; b flushes c at its end.
func (c *accepted) answer(m *msg.Msg, reply []byte, b *batch.Batch) {
	if m.Mute != memcache.MuteNone {
		reply = m.Mute.Apply(reply)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		c.node.release(m)
		return
	}
	c.inflight--
	if c.pending.Peek() == m {
		c.pending.Pop()
		c.appendReply(m.PeerID, reply)
		c.node.release(m)
		c.moveDone()
	} else {
		m.SetReply(reply)
	}
	if !c.dirty {
		c.dirty = true
		b.Flush(c)
	}
	c.mu.Unlock()
}

// moveDone moves the replies of completed requests at the head of pending
// to out. Callers hold mu.
func (c *accepted) moveDone() {
	for m := c.pending.Peek(); m != nil && m.Done; m = c.pending.Peek() {
		c.pending.Pop()
		c.appendReply(m.PeerID, m.Reply.B)
		c.node.release(m)
	}
}

// Flush (batch.Flusher) writes out with one non-blocking write, then
// closes the connection after QUIT or resumes a paused input side when due.
func (c *accepted) Flush() {
	c.mu.Lock()
	c.dirty = false
	if c.closed || c.flushing {
		c.mu.Unlock()
		return
	}
	if c.out != nil && len(c.out.B) > 0 {
		n, err := sock.WriteSome(c.fd, c.out.B)
		if err != nil {
			c.mu.Unlock()
			c.node.log.Debug("client write failed", "client", c.id, "err", err)
			c.failLater()
			return
		}
		if n < len(c.out.B) {
			b := c.takeOut()
			c.held = len(b.B) - n
			c.flushing = true
			c.mu.Unlock()
			go c.slowFlush(b, n)
			return
		}
		c.node.bufs.Put(c.takeOut())
	}
	closeNow, resume := c.afterFlush()
	c.mu.Unlock()
	c.afterFlushAct(closeNow, resume)
}

// afterFlush decides, once out is empty, whether to close (QUIT or protocol
// error answered) or to resume a paused input side. Callers hold mu.
func (c *accepted) afterFlush() (closeNow, resume bool) {
	if c.quitting {
		return c.pending.Len() == 0, false
	}
	if c.paused && !c.node.closing.Load() &&
		c.pending.Len() <= c.pipelineCap()/2 && c.unsent() <= c.node.maxUnsent/2 {
		c.paused = false
		return false, true
	}
	return false, false
}

func (c *accepted) afterFlushAct(closeNow, resume bool) {
	switch {
	case closeNow:
		c.closeLater()
	case resume:
		c.resume()
	}
}

// slowFlush writes b[off:] and then whatever accumulated meanwhile, waiting
// for the socket as long as needed. It runs on its own goroutine and owns
// the socket's writes until it returns (flushing is set).
func (c *accepted) slowFlush(b *bytebufferpool.ByteBuffer, off int) {
	for {
		c.wmu.Lock()
		err := c.blockingWrite(b.B[off:])
		c.wmu.Unlock()
		if err != nil {
			c.mu.Lock()
			c.flushing, c.held = false, 0
			c.mu.Unlock()
			c.failLater()
			return
		}
		c.node.bufs.Put(b)
		c.mu.Lock()
		c.held = 0
		if c.closed || c.out == nil || len(c.out.B) == 0 {
			c.flushing = false
			closeNow, resume := c.afterFlush()
			c.mu.Unlock()
			c.afterFlushAct(closeNow, resume)
			return
		}
		b, off = c.takeOut(), 0
		c.held = len(b.B)
		c.mu.Unlock()
	}
}

// onClientClose runs once when netpoll closes the connection, before the
// descriptor is closed. Requests still at the datastore are released by
// answer when their replies (or failures) come back.
func (c *accepted) onClientClose() {
	c.markGone()
	c.wmu.Lock()
	//lint:ignore SA2001 a barrier: a slow flush holding wmu has left netpoll's output buffer
	c.wmu.Unlock()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if c.startLinger() {
		c.mu.Unlock()
		return
	}
	c.teardownClient()
}

// teardownClient releases everything the client holds. Callers hold mu;
// it is released.
func (c *accepted) teardownClient() {
	c.closed = true
	c.statsClientClosed()
	for i, n := 0, c.pending.Len(); i < n; i++ {
		if m := c.pending.Pop(); m.Done {
			c.node.release(m)
		}
	}
	c.node.bufs.Put(c.takeOut())
	c.mu.Unlock()
	c.inMu.Lock()
	c.node.bufs.Put(c.carry)
	c.carry = nil
	c.inMu.Unlock()
	c.node.removeClient(c)
}
