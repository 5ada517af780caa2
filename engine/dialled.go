package engine

import (
	"time"

	"github.com/cloudwego/netpoll"
	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/engine/fifo"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/sock"
)

// Request path of a server (datastore) connection.
//
// Client input handlers append request frames to out and their msgs to
// fifo under mu. Who writes what is queued is the writerState: a client
// that finds the connection idle (nothing in flight) writes it itself at
// the end of its input batch; with requests in flight, the reply path
// writes everything all clients queued meanwhile, with one send, at the end
// of each read of replies. That is the cross-client coalescing: under load
// the datastore gets few large writes, and no goroutine is woken. Replies
// are matched to fifo in order and handed to their clients; every client
// touched by one read is flushed once at the end of that read. Only a
// partial write (full socket) goes to the writer goroutine, which may block.
// Timeouts: dialled_timeout.go.

// server is the state of a server connection, guarded by conn.mu.
type server struct {
	link      *link
	fifo      fifo.Queue[*msg.Msg] // requests queued or written, oldest first
	unstamped int                  // requests at the tail of fifo not handed to the writer yet
	writer    writerState
	rest      *bytebufferpool.ByteBuffer // unsent tail of an inline write, for the writer
	restOff   int
	armed     bool // timer is set
	timedOut  bool
	spare     *bytebufferpool.ByteBuffer // the writer's second buffer
	wake      chan struct{}              // capacity 1
	done      chan struct{}              // closed when the connection is closed
	timer     *time.Timer
}

// writerState says who will write what is queued in out.
type writerState uint8

const (
	writerIdle   writerState = iota // nothing queued, nobody writing
	writerInline                    // the enqueuing client writes at the end of its input batch
	writerReply                     // the reply path writes at the end of its next read
	writerAsync                     // the writer goroutine finishes a partial write
)

// enqueue queues frame for the datastore and m for its reply. It reports
// false when the connection is closed, and inline true when the caller must
// call writeNow(writerInline) once it has consumed its input: the
// connection had nothing in flight, so the request goes out from the poller
// at once. With requests in flight nobody is woken: the reply path writes
// whatever all clients queued meanwhile, with one send, at the end of its
// next read (writerReply), so requests coalesce while the datastore works
// and no goroutine hop is paid.
func (s *dialled) enqueue(frame []byte, m *msg.Msg) (ok, inline bool) {
	if s.node.proto.memcache {
		m.Cmd = uint8(memcache.CommandOf(frame)) // frames the reply (scanMemcache)
	}
	s.Mu.Lock()
	if s.Closed || (s.kind.peer && s.peerFull()) {
		s.Mu.Unlock()
		return false, false
	}
	if s.Out == nil {
		s.Out, s.spare = s.spare, nil
		if s.Out == nil {
			s.Out = s.node.env.Bufs.Get()
		}
	}
	switch {
	case s.kind.peer:
		s.appendPeerHeader(m, len(frame))
		s.Out.B = append(s.Out.B, frame...)
	case s.node.proto.memcache:
		s.appendMemcache(frame, m)
	default:
		s.Out.B = append(s.Out.B, frame...)
	}
	idleLine := s.fifo.Len() == 0 // nothing sent and unanswered, nothing queued
	s.fifo.Push(m)
	s.unstamped++
	s.statsQueued(m, len(frame))
	if s.writer == writerIdle {
		if idleLine {
			s.writer, inline = writerInline, true
		} else {
			s.writer = writerReply
		}
	}
	s.Mu.Unlock()
	return true, inline
}

func (s *dialled) wakeWriter() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// writeNow writes what is queued with one non-blocking send from the
// calling poller, when the caller is the current owner of the queue: the
// client that enqueued on an idle connection (writerInline) or the reply
// path (writerReply). A tail the socket did not take goes to the writer
// goroutine. Once requests are in flight, what is queued meanwhile waits
// for the reply path.
func (s *dialled) writeNow(owner writerState, now int64) {
	s.Mu.Lock()
	for {
		if s.writer != owner || s.Closed {
			s.Mu.Unlock()
			return
		}
		if s.Out == nil || len(s.Out.B) == 0 {
			s.writer = writerIdle
			s.Mu.Unlock()
			return
		}
		b := s.TakeOut()
		s.stamp(now)
		now = 0 // a later batch of this call reads its own
		s.Mu.Unlock()
		n, err := s.sendNow(b.B)
		if err != nil {
			s.FailLater()
			return
		}
		s.node.sends.Add(1)
		s.Mu.Lock()
		if n < len(b.B) {
			s.rest, s.restOff = b, n
			s.writer = writerAsync
			s.Mu.Unlock()
			s.wakeWriter()
			return
		}
		s.keepSpare(b)
		if s.fifo.Len() > s.unstamped {
			// Sent requests await replies: the reply path sends the rest.
			s.writer, owner = writerReply, writerReply
		}
	}
}

// WriteQueued (batch.Writer) is writeNow for the client that enqueued on an
// idle connection; now is the clock of its input batch (0: none).
func (s *dialled) WriteQueued(now int64) { s.writeNow(writerInline, now) }

// sendNow makes one non-blocking write unless the connection is closed.
func (s *dialled) sendNow(b []byte) (int, error) {
	s.WMu.Lock()
	defer s.WMu.Unlock()
	if s.IsClosed() {
		return 0, errConnClosed
	}
	return sock.WriteSome(s.FD, b)
}

// keepSpare keeps b as the next batch buffer or returns it to the pool.
// Callers hold mu.
func (s *dialled) keepSpare(b *bytebufferpool.ByteBuffer) {
	if b == nil {
		return
	}
	if s.spare == nil && cap(b.B) <= s.node.keepCap {
		b.B = b.B[:0]
		s.spare = b
		return
	}
	s.node.env.Bufs.Put(b)
}

// writeLoop is the writer goroutine of a server connection.
func (s *dialled) writeLoop() {
	defer s.node.wg.Done()
	for {
		select {
		case <-s.wake:
		case <-s.done:
			return
		}
		for s.writeBatch() {
		}
	}
}

// writeBatch finishes a partial write, then writes what was queued
// meanwhile unless requests in flight leave that to the reply path. It
// reports false when there is nothing left for the writer goroutine.
func (s *dialled) writeBatch() bool {
	s.Mu.Lock()
	if s.Closed {
		s.Mu.Unlock()
		return false
	}
	b, off := s.rest, s.restOff
	s.rest, s.restOff = nil, 0
	if b == nil {
		if s.Out == nil || len(s.Out.B) == 0 {
			s.writer = writerIdle
			s.Mu.Unlock()
			return false
		}
		if s.fifo.Len() > s.unstamped {
			s.writer = writerReply
			s.Mu.Unlock()
			return false
		}
		b = s.TakeOut()
		s.stamp(0)
	}
	s.Mu.Unlock()

	err := s.send(b.B[off:])
	if err != nil {
		s.node.log.Debug("datastore write failed", "server", s.link.addr, "err", err)
		s.FailLater()
		return false
	}
	s.node.sends.Add(1)
	s.Mu.Lock()
	s.keepSpare(b)
	s.Mu.Unlock()
	return true
}

// send writes b to the socket: one non-blocking write, and when the socket
// does not take it all, the rest through netpoll, waiting (this runs on the
// writer goroutine, never on a poller).
func (s *dialled) send(b []byte) error {
	s.WMu.Lock()
	defer s.WMu.Unlock()
	if s.IsClosed() {
		return errConnClosed
	}
	n, err := sock.WriteSome(s.FD, b)
	if err != nil || n == len(b) {
		return err
	}
	return s.BlockingWrite(b[n:])
}

// onServerInput consumes replies read from the datastore. It runs on a
// poller (netpoll serialises it with the close callback).
func (s *dialled) onServerInput(b []byte) {
	s.statsServerInput()
	buf, fromCarry := s.JoinCarry(b)
	off := 0
	for off < len(buf) {
		reply, n, err := s.node.proto.scan(s, buf[off:])
		if err != nil {
			if err != errNeedMore {
				s.node.log.Warn("bad reply from datastore, closing the connection", "server", s.link.addr, "err", err)
				s.FailLater()
				off = len(buf)
			}
			break
		}
		if !s.answerHead(reply) {
			s.node.log.Warn("reply without request from datastore, closing the connection", "server", s.link.addr)
			s.FailLater()
			off = len(buf)
			break
		}
		off += n
	}
	s.KeepTail(buf, off, fromCarry)
	s.statsFlush()
	s.writeNow(writerReply, s.BatchClock())
	s.B.Run()
}

// complete matches one reply to the oldest request.
func (s *dialled) answerHead(reply []byte) bool {
	s.Mu.Lock()
	m := s.fifo.Pop()
	sent := s.St.SentLog.Pop()
	s.Mu.Unlock()
	if m == nil {
		return false
	}
	s.statsReply(m, len(reply), sent)
	s.answer(m, reply, 0, &s.B)
	return true
}

// onServerClose runs once when the connection is closed: by the datastore,
// by an error, by a timeout or by shutdown. Every request on it fails.
func (s *dialled) onServerClose() {
	s.MarkGone()
	s.WMu.Lock()
	//lint:ignore SA2001 a barrier: the writer holding wmu has left the socket
	s.WMu.Unlock()
	s.Mu.Lock()
	if s.Closed {
		s.Mu.Unlock()
		return
	}
	s.Closed = true
	s.node.env.Bufs.Put(s.TakeOut())
	s.resetGetBatch()
	s.node.env.Bufs.Put(s.spare)
	s.spare = nil
	s.Mu.Unlock()
	s.timer.Stop()
	close(s.done)
	// fifo is ours now: enqueue refuses a closed connection and the reader
	// has returned.
	s.statsServerClosed()
	code := s.failCode()
	for m := s.fifo.Pop(); m != nil; m = s.fifo.Pop() {
		s.answer(m, nil, code, &s.B)
	}
	s.B.Run()
	s.node.env.Bufs.Put(s.Carry)
	s.Carry = nil
	s.link.lost(s)
}

// newServerConn sets up a dialled connection of link lk: to the datastore,
// or to a peer.
func newServerConn(lk *link, nc netpoll.Connection) *dialled {
	k := &lk.node.kinds.datastore
	if lk.peer != nil {
		k = &lk.node.kinds.peerOut
	}
	s := newDialled(lk.node, k, nc)
	s.link = lk
	s.wake = make(chan struct{}, 1)
	s.done = make(chan struct{})
	s.timer = time.AfterFunc(time.Hour, s.onTimer)
	s.timer.Stop()
	s.statsServerOpen()
	return s
}
