package outbound

import (
	"time"

	"github.com/cloudwego/netpoll"
	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/fifo"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/sock"
	"github.com/dynomite-go/dynomite/replica"
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
// Timeouts: timeout.go.

// server is the state of a server connection, guarded by conn.mu.
type server struct {
	link      *Link
	fifo      fifo.Queue[*msg.Msg] // requests queued or written, oldest first
	unstamped int                  // requests at the tail of fifo not handed to the writer yet
	writer    WriterState
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
type WriterState uint8

const (
	WriterIdle   WriterState = iota // nothing queued, nobody writing
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
func (s *Conn) enqueue(frame []byte, m *msg.Msg) (ok, inline bool) {
	if s.env.Memcache {
		m.Cmd = uint8(memcache.CommandOf(frame)) // frames the reply (scanMemcache)
	}
	s.Mu.Lock()
	if s.Closed || (s.kind.Peer && s.peerFull()) {
		s.Mu.Unlock()
		return false, false
	}
	if s.Out == nil {
		s.Out, s.spare = s.spare, nil
		if s.Out == nil {
			s.Out = s.env.Core.Bufs.Get()
		}
	}
	switch {
	case s.kind.Peer:
		s.appendPeerFrame(m, frame)
	case s.env.Memcache:
		s.AppendMemcache(frame, m)
	default:
		s.Out.B = append(s.Out.B, frame...)
	}
	idleLine := s.fifo.Len() == 0 // nothing sent and unanswered, nothing queued
	s.fifo.Push(m)
	s.unstamped++
	s.statsQueued(m, len(frame))
	if s.writer == WriterIdle {
		if idleLine {
			s.writer, inline = writerInline, true
		} else {
			s.writer = writerReply
		}
	}
	s.Mu.Unlock()
	return true, inline
}

func (s *Conn) wakeWriter() {
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
func (s *Conn) writeNow(owner WriterState, now int64) {
	s.Mu.Lock()
	for {
		if s.writer != owner || s.Closed {
			s.Mu.Unlock()
			return
		}
		if s.Out == nil || len(s.Out.B) == 0 {
			s.writer = WriterIdle
			s.Mu.Unlock()
			return
		}
		b, err := s.takeSealed()
		if err != nil {
			s.Mu.Unlock()
			s.FailLater()
			return
		}
		s.stamp(now)
		now = 0 // a later batch of this call reads its own
		s.Mu.Unlock()
		n, err := s.sendNow(b.B)
		if err != nil {
			s.FailLater()
			return
		}
		s.env.Sends.Add(1)
		s.Mu.Lock()
		if s.Closed { // OnClose owns the fifo now, without Mu
			s.Mu.Unlock()
			s.env.Core.Bufs.Put(b)
			return
		}
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
func (s *Conn) WriteQueued(now int64) { s.writeNow(writerInline, now) }

// sendNow makes one non-blocking write unless the connection is closed.
func (s *Conn) sendNow(b []byte) (int, error) {
	s.WMu.Lock()
	defer s.WMu.Unlock()
	if s.IsClosed() {
		return 0, errConnClosed
	}
	return sock.WriteSome(s.FD, b)
}

// takeSealed detaches the output buffer, its bytes sealed into TLS
// records first when the connection has a Sealer (a peer link with
// peer_tls). Callers hold Mu; Out is not empty. On an error the
// connection is unusable.
func (s *Conn) takeSealed() (*bytebufferpool.ByteBuffer, error) {
	if s.Sealer != nil {
		if err := s.SealOut(); err != nil {
			return nil, err
		}
	}
	return s.TakeOut(), nil
}

// keepSpare keeps b as the next batch buffer or returns it to the pool.
// Callers hold mu.
func (s *Conn) keepSpare(b *bytebufferpool.ByteBuffer) {
	if b == nil {
		return
	}
	if s.spare == nil && cap(b.B) <= s.env.KeepCap {
		b.B = b.B[:0]
		s.spare = b
		return
	}
	s.env.Core.Bufs.Put(b)
}

// writeLoop is the writer goroutine of a server connection.
func (s *Conn) writeLoop() {
	defer s.env.WG.Done()
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
func (s *Conn) writeBatch() bool {
	s.Mu.Lock()
	if s.Closed {
		s.Mu.Unlock()
		return false
	}
	b, off := s.rest, s.restOff
	s.rest, s.restOff = nil, 0
	if b == nil {
		if s.Out == nil || len(s.Out.B) == 0 {
			s.writer = WriterIdle
			s.Mu.Unlock()
			return false
		}
		if s.fifo.Len() > s.unstamped {
			s.writer = writerReply
			s.Mu.Unlock()
			return false
		}
		var err error
		if b, err = s.takeSealed(); err != nil {
			s.Mu.Unlock()
			s.FailLater()
			return false
		}
		s.stamp(0)
	}
	s.Mu.Unlock()

	err := s.send(b.B[off:])
	if err != nil {
		s.env.Log.Debug("datastore write failed", "server", s.link.Addr, "err", err)
		s.FailLater()
		return false
	}
	s.env.Sends.Add(1)
	s.Mu.Lock()
	s.keepSpare(b)
	s.Mu.Unlock()
	return true
}

// send writes b to the socket: one non-blocking write, and when the socket
// does not take it all, the rest through netpoll, waiting (this runs on the
// writer goroutine, never on a poller).
func (s *Conn) send(b []byte) error {
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
func (s *Conn) OnServerInput(b []byte) {
	s.statsServerInput()
	buf, fromCarry := s.JoinCarry(b)
	off := 0
	for off < len(buf) {
		if s.scanner.Skipping() {
			n, done, err := s.skipTooLarge(buf[off:])
			off += n
			if err == nil && done {
				continue
			}
			break
		}
		reply, n, err := s.env.scan(s, buf[off:])
		if err == resp.ErrReplyTooLarge && s.answerHead(resp.ReplyTooLarge) {
			continue // skipped from the same start
		}
		if err != nil {
			if err != errNeedMore {
				s.env.Log.Warn("bad reply from datastore, closing the connection", "server", s.link.Addr, "err", err)
				s.FailLater()
				off = len(buf)
			}
			break
		}
		if !s.answerHead(reply) {
			s.env.Log.Warn("reply without request from datastore, closing the connection", "server", s.link.Addr)
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
func (s *Conn) answerHead(reply []byte) bool {
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
func (s *Conn) OnClose() {
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
	s.env.Core.Bufs.Put(s.TakeOut())
	s.ResetGetBatch()
	s.env.Core.Bufs.Put(s.spare)
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
	s.env.Core.Bufs.Put(s.Carry)
	s.Carry = nil
	s.link.lost(s)
}

// NewConn sets up a dialled connection of link lk: to the datastore,
// or to a peer.
func NewConn(lk *Link, nc netpoll.Connection) *Conn {
	k := &lk.env.datastore
	if lk.Peer {
		k = &lk.env.peer
	}
	s := newConn(lk.env, k, nc)
	s.link = lk
	s.wake = make(chan struct{}, 1)
	s.done = make(chan struct{})
	s.timer = time.AfterFunc(time.Hour, s.onTimer)
	s.timer.Stop()
	s.statsOpen()
	return s
}

// answer gives a request popped from a server or peer FIFO its reply:
// reply bytes, or a failure code when the engine makes the reply up. Its
// owner is a routed request's fan-out, or the client of a plain request.
func (s *Conn) answer(m *msg.Msg, reply []byte, code replica.Code, b *batch.Batch) {
	m.Owner.Answer(m, reply, code, b)
}

// failCode is the code of the requests failed by the close of s.
func (s *Conn) failCode() replica.Code { return s.kind.FailCode }

// Writer says who writes what is queued. Callers hold Mu.
func (s *Conn) Writer() WriterState { return s.writer }
