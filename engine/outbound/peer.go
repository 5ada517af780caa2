package outbound

import (
	"errors"
	"time"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/secure"
	"github.com/dynomite-go/dynomite/replica"
)

// peerFull reports a peer connection that takes no more requests: too many
// waiting for replies, or too many bytes its socket has not taken. Callers
// hold mu.
func (s *Conn) peerFull() bool {
	return s.fifo.Len() >= maxPeerQueue || s.Unsent() >= maxPeerUnsent
}

// retryCap is the longest reconnect back-off of a link.
func (lk *Link) retryCap() time.Duration {
	if lk.Peer {
		return peerRetryCap
	}
	return lk.env.RetryCap
}

// what names a link's far end in logs.
func (lk *Link) What() string {
	if lk.Peer {
		return "peer"
	}
	return "datastore"
}

// peerTimeout is the timeout of a request on a peer connection (docs/compat.md §9.1).
func (s *Conn) peerTimeout(write bool) time.Duration {
	t := s.env.RequestTimeout()
	if t <= 0 {
		return 0
	}
	f := time.Duration(s.env.TimeoutFactor())
	if s.link.SameDC {
		t += f * peerSameDCExtra
	} else {
		t += f * peerRemoteExtra
	}
	if write {
		t += f * peerWriteExtra
	}
	return t
}

// stampPeer is stamp for a peer connection: nothing to do, since peer
// requests get their deadline when they are queued (armPeer): the clock
// starts at enqueue (docs/compat.md §9.1), and a request queued behind a stalled peer
// is never written, so a deadline set on writing would never come. Callers
// hold mu.
func (s *Conn) stampPeer() { s.unstamped = 0 }

// armPeer gives m its deadline when it is queued on a peer connection and
// makes sure the timer fires by then. Callers hold mu.
func (s *Conn) armPeer(m *msg.Msg) {
	t := s.peerTimeout(m.Write)
	if t <= 0 {
		return
	}
	m.Deadline = s.env.Core.Clock() + int64(t)
	if !s.armed || m.Deadline < s.timerAt {
		s.armed, s.timerAt = true, m.Deadline
		s.timer.Reset(t)
	}
}

// expiring returns the request with the earliest deadline: the head on a
// datastore connection (one timeout for all), the earliest of the FIFO on a
// peer connection (reads and writes have different timeouts). Callers hold
// mu.
func (s *Conn) expiring() *msg.Msg {
	m := s.fifo.Peek()
	if !s.kind.Peer || m == nil {
		return m
	}
	for i := 1; i < s.fifo.Len(); i++ {
		if o := s.fifo.At(i); o.Deadline < m.Deadline {
			m = o
		}
	}
	s.timerAt = m.Deadline
	return m
}

// appendPeerFrame writes m's frame, a dnode header and the payload, to
// the output of a peer connection, and gives m its msg id. Ids come from
// one node counter and are taken under mu, so they grow along the FIFO.
// On a secured link the payload is encrypted (secure.Session.Seal).
// Callers hold mu.
func (s *Conn) appendPeerFrame(m *msg.Msg, frame []byte) {
	m.PeerID = s.env.MsgIDs.Add(1)
	t := dnode.TypeReq
	if m.Forward {
		t = dnode.TypeReqForward
	}
	h := dnode.Plain(m.PeerID, t, s.link.SameDC, uint32(len(frame)))
	if s.sess != nil {
		s.Out.B = s.sess.Seal(s.Out.B, h, frame)
	} else {
		s.Out.B = dnode.AppendHeader(s.Out.B, h)
		s.Out.B = append(s.Out.B, frame...)
	}
	s.armPeer(m)
}

// onPeerReplies consumes replies read from a peer: dnode header, then a
// RESP reply, matched to the FIFO by msg id. It runs on a poller.
func (s *Conn) OnPeerReplies(b []byte) {
	if s.sess != nil {
		s.sess.ResetInput()
	}
	buf, fromCarry := s.JoinCarry(b)
	off := 0
	for off < len(buf) {
		skipped, hn, err := s.dparser.Parse(buf[off:], &s.hdr)
		if err != nil {
			if errors.Is(err, dnode.ErrIncomplete) {
				off += skipped
				break
			}
			s.closeBadPeer("bad dnode header", err)
			off = len(buf)
			break
		}
		p := off + skipped + hn
		if s.hdr.Encrypted() {
			n, more := s.onSecuredReply(buf[p:])
			if more {
				off += skipped
				break
			}
			if n < 0 {
				off = len(buf)
				break
			}
			off = p + n
			continue
		}
		if s.hdr.Type != dnode.TypeRes {
			off = p
			continue
		}
		_, n, err := s.env.scan(s, buf[p:])
		if err != nil {
			if err == errNeedMore {
				off += skipped
				break
			}
			s.closeBadPeer("bad reply payload", err)
			off = len(buf)
			break
		}
		s.answerByID(s.hdr.MsgID, buf[p:p+n])
		off = p + n
	}
	s.KeepTail(buf, off, fromCarry)
	s.statsFlush()
	s.St.Now = 0 // late's clock, with the stats off
	s.writeNow(writerReply, 0)
	s.B.Run()
}

// onSecuredReply handles the encrypted frame whose header s.hdr ends where
// buf starts: it returns the payload's length, more when buf does not hold
// all of it yet, or -1 when the connection is closed (a plain link, a
// payload that does not decrypt or is not one reply).
func (s *Conn) onSecuredReply(buf []byte) (n int, more bool) {
	if s.sess == nil {
		s.closeBadPeer("encrypted dnode frame on a plain link", nil)
		return -1, false
	}
	c, ok := secure.Payload(&s.hdr, buf)
	if !ok {
		return 0, true
	}
	if s.hdr.Type != dnode.TypeRes {
		return len(c), false
	}
	plain, err := s.sess.Open(c)
	if err != nil {
		s.closeBadPeer("cannot decrypt a reply", err)
		return -1, false
	}
	if _, m, err := s.env.scan(s, plain); err != nil || m != len(plain) {
		s.closeBadPeer("bad reply payload", secure.ErrPayloadEncrypted)
		return -1, false
	}
	s.answerByID(s.hdr.MsgID, plain)
	return len(c), false
}

// late reports whether the reply to write m, just read, came more than
// `timeout` after m was queued: the write reached the peer late (a link
// that stalled, then came back before m's own deadline), so what it did
// there may differ from the local copy (a relative expiry counted from
// its late arrival). Reads are never late: nothing is to be repaired. It
// reads the clock once per read of replies (St.Now, shared with the
// stats, reset when the read ends).
func (s *Conn) late(m *msg.Msg) bool {
	if !m.Write || m.Deadline == 0 {
		return false
	}
	t := s.env.RequestTimeout()
	if t <= 0 {
		return false
	}
	if s.St.Now == 0 {
		s.St.Now = s.env.Core.Clock()
	}
	queued := m.Deadline - int64(s.peerTimeout(true))
	return s.St.Now-queued > int64(t)
}

func (s *Conn) closeBadPeer(what string, err error) {
	s.env.Log.Warn("closing peer connection: "+what, "peer", s.link.Addr, "err", err)
	s.AbortLater()
}

// answerByID matches a reply with id to the FIFO (docs/compat.md §5.3): the head
// with the same id completes; a smaller id is stale and dropped; a larger
// one means the head's reply was lost, so the head fails and the next is
// tried.
func (s *Conn) answerByID(id uint64, reply []byte) {
	for {
		s.Mu.Lock()
		m := s.fifo.Peek()
		if m == nil || id < m.PeerID {
			s.Mu.Unlock()
			return
		}
		s.fifo.Pop()
		s.Mu.Unlock()
		s.statsPeerDone(m, id, len(reply))
		if id == m.PeerID {
			m.Late = s.late(m)
			s.answer(m, reply, replica.NoError, &s.B)
			return
		}
		s.env.Mismatch.Add(1)
		s.answer(m, nil, replica.BadFormat, &s.B)
	}
}

// Bounds of the peer side.
const (
	// peerRetryCap caps the reconnect back-off to a peer (C Dynomite's
	// MAX_WAIT_BEFORE_RECONNECT_IN_SECS).
	peerRetryCap = 10 * time.Second
	// maxPeerQueue bounds the requests queued or in flight on one peer
	// connection (C Dynomite's MAX_CONN_QUEUE_SIZE). Past it new requests
	// are refused: a counted copy fails, a swallowed one is dropped and
	// counted, so a slow peer cannot grow memory.
	maxPeerQueue = 20000
	// maxPeerUnsent bounds the request bytes queued on one peer connection
	// and not yet taken by its socket (a peer that reads slowly).
	maxPeerUnsent = 64 << 20
	// Extra time a peer request gets over `timeout` (docs/compat.md §9.1).
	peerSameDCExtra = 200 * time.Millisecond
	peerRemoteExtra = 5000 * time.Millisecond
	peerWriteExtra  = 20000 * time.Millisecond
)
