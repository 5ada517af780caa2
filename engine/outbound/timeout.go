package outbound

import "time"

// Timeouts: fifo is in send order and every request has the same timeout,
// so the oldest request always has the earliest deadline and the fifo is
// its own timer queue. One timer per connection watches the head. The
// writer stamps deadlines once per batch with the clock its caller read
// for the batch (stamp), or one read of its own. When
// the head expires the connection is closed, as C Dynomite does, and every
// request on it fails with the StorageRefused reply of the node's protocol.

// stamp sets the deadline of the requests about to be written and arms the
// timer. now is the node's clock of the caller's batch (the client input
// or the datastore read that leads to this write), 0 when the caller has
// none: one clock read serves the deadlines and the stats. Callers hold
// mu.
func (s *Conn) stamp(now int64) {
	if now == 0 {
		now = s.env.Core.Clock()
	}
	s.statsStamp(now)
	if s.kind.Peer {
		s.stampPeer()
		return
	}
	t := s.env.RequestTimeout()
	if t <= 0 {
		s.unstamped = 0
		return
	}
	dl := now + int64(t)
	for i := s.fifo.Len() - s.unstamped; i < s.fifo.Len(); i++ {
		s.fifo.At(i).Deadline = dl
	}
	s.unstamped = 0
	if !s.armed {
		s.armed = true
		s.timer.Reset(t)
	}
}

// onTimer runs when the oldest request may have expired.
func (s *Conn) onTimer() {
	s.Mu.Lock()
	if s.Closed {
		s.Mu.Unlock()
		return
	}
	m := s.expiring()
	if m == nil || m.Deadline == 0 {
		s.armed = false
		s.Mu.Unlock()
		return
	}
	if d := m.Deadline - s.env.Core.Clock(); d > 0 {
		s.timer.Reset(time.Duration(d))
		s.Mu.Unlock()
		return
	}
	s.timedOut = true
	s.Mu.Unlock()
	s.env.Log.Warn(s.link.What()+" request timed out, closing the connection",
		"server", s.link.Addr, "timeout", s.env.Timeout)
	if s.kind.Peer {
		// Reset, not FIN: the requests are failed (and hinted) now, so
		// their bytes still in the kernel must never reach the peer once
		// its link is back (sock.Gate.Abort).
		s.env.PeerTimeouts.Add(1)
		s.AbortLater()
		return
	}
	s.env.Timeouts.Add(1)
	s.CloseLater()
}
