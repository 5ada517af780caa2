package outbound

import (
	"time"

	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/stats"
	"github.com/dynomite-go/dynomite/engine/tally"
)

// statsQueued counts m, a frame of size bytes just queued on server or
// peer conn s (s.mu held). On a datastore conn m counts in in_queue,
// through the tally of its client's input batch: only the client's input
// path (the caller, holding the client's inMu) queues msgs on the local
// datastore, a single node's requests and, in a cluster, the local copies
// of routed requests (retries and failovers go to other racks and DCs).
// A local copy is tagged here, by the kind the route gave it, without an
// arrival time: the client's latency is not the copy's. On a peer conn
// see statsPeerQueued.
func (s *Conn) statsQueued(m *msg.Msg, size int) {
	if s.kind.Peer {
		s.statsPeerQueued(m, size)
		return
	}
	if s.St.Shard == nil {
		return
	}
	c, _ := s.env.Owner(m, size, false)
	if c == nil || !m.St.Tagged {
		return
	}
	t := &c.In
	t.InQ++
	t.InQBytes += m.St.Size
	s.St.Send.Add(s.St.Shard, &m.St)
}

// statsStamp runs when the requests queued at the tail of fifo (the
// unstamped ones) are handed to the socket at clock now, with s.mu held:
// they count as sent to the datastore (read_requests, write_requests, their
// bytes, redis_req_*, payload_size), move from in_queue to out_queue, and
// their batch's send time is logged for the replies (sentLog). The batch
// was summed as it was queued (statsQueued) and is added with a few atomic
// adds, without touching its msgs.
func (s *Conn) statsStamp(now int64) {
	sh := s.St.Shard
	if sh == nil || s.unstamped == 0 {
		return
	}
	if s.kind.Peer {
		s.statsPeerStamp()
		return
	}
	if s.kind.Peer {
		return
	}
	s.St.SentLog.Push(s.unstamped, now)
	t := &s.St.Send
	k, bytes := t.Reads+t.Writes, t.ReadBytes+t.WriteBytes
	t.Flush(sh)
	sh.Add(stats.InQueue, -k)
	sh.Add(stats.InQueueBytes, -bytes)
	sh.Add(stats.OutQueue, k)
	sh.Add(stats.OutQueueBytes, bytes)
	sh.Observe(stats.ServerInQueueDepth, k)
	sh.Observe(stats.ServerOutQueueDepth, int64(s.fifo.Len()))
}

// statsServerInput reads the clock once for a batch of datastore replies.
func (s *Conn) statsServerInput() {
	if s.St.Shard != nil {
		s.St.Now = s.env.Core.Clock()
	}
}

// statsReply counts the reply of size bytes matched to m, sent at clock
// sent (0: not logged), before m is handed to its client (which may
// release it).
func (s *Conn) statsReply(m *msg.Msg, size int, sent int64) {
	sh := s.St.Shard
	if sh == nil || !m.St.Tagged || s.kind.Peer {
		return
	}
	now, t := s.St.Now, &s.St.Reply
	t.OutQ++
	t.OutQBytes += m.St.Size
	if m.St.Write {
		t.Writes++
		t.WriteBytes += int64(size)
	} else {
		t.Reads++
		t.ReadBytes += int64(size)
	}
	if m.St.Start != 0 { // 0: arrived on a path that reads no input clock
		t.Observe(sh, tally.RequestLatency, (now-m.St.Start)/1000)
	}
	if sent != 0 {
		t.Observe(sh, tally.ServerLatency, (now-sent)/1000)
		if m.St.Start != 0 {
			t.Observe(sh, tally.ServerQueueWait, (sent-m.St.Start)/1000)
		}
	}
}

// statsFlush adds the tally of the datastore read that just ended to the
// shard. It runs on the poller at the end of every read, and when the
// connection closes.
func (s *Conn) statsFlush() {
	sh, t := s.St.Shard, &s.St.Reply
	if sh != nil && s.kind.Peer {
		s.statsPeerFlush()
		return
	}
	if sh == nil {
		return
	}
	t.Flush(sh)
}

// statsServerClosed runs once when a server conn closes, before the
// requests on it are failed: fifo holds them, oldest first, the last
// s.unstamped of them never handed to the socket.
func (s *Conn) statsServerClosed() {
	sh := s.St.Shard
	if sh != nil && s.kind.Peer {
		s.statsPeerClosed()
		return
	}
	if sh == nil || s.kind.Peer {
		return
	}
	s.statsFlush()
	s.St.Send = tally.Send{} // queued, never sent: not counted as sent
	s.St.SentLog.Reset()
	// Untagged msgs were never counted in the gauges, but every request
	// on the conn is dropped.
	s.statsClosed(&tally.ServerClose, func(m *msg.Msg) bool { return m.St.Tagged }, int64(s.fifo.Len()))
}

// statsClosed moves the msgs a closing conn still holds, those counted
// reports, out of its queue gauges, counts dropped requests (dropped, or
// when negative the counted msgs), the timed-out ones, why the conn closed
// and the eject. Callers hold the closing connection.
func (s *Conn) statsClosed(cm *tally.CloseMetrics, counted func(*msg.Msg) bool, dropped int64) {
	sh := s.St.Shard
	in, out, inBytes, outBytes := s.queuedOnClose(counted)
	if dropped < 0 {
		dropped = in + out
	}
	sh.Add(cm.OutQ, -out)
	sh.Add(cm.OutQBytes, -outBytes)
	sh.Add(cm.InQ, -in)
	sh.Add(cm.InQBytes, -inBytes)
	sh.Add(cm.Dropped, dropped)
	closing := s.env.Closing.Load()
	switch {
	case s.timedOut:
		sh.Inc(cm.Timedout)
		sh.Add(cm.TimedoutReqs, out)
	case s.St.Failed.Load():
		sh.Inc(cm.Err)
	case !closing:
		sh.Inc(cm.EOF)
	}
	if !closing {
		sh.Inc(cm.Ejects)
		sh.SetTimestamp(cm.EjectedAt, time.Now().UnixMilli())
	}
}

// queuedOnClose tallies the msgs of fifo that counted satisfies: out are
// those handed to the socket, in the last s.unstamped ones, never sent.
// Callers hold the closing connection (no more sends or replies).
func (s *Conn) queuedOnClose(counted func(*msg.Msg) bool) (in, out, inBytes, outBytes int64) {
	firstUnsent := s.fifo.Len() - s.unstamped
	for i := 0; i < s.fifo.Len(); i++ {
		m := s.fifo.At(i)
		switch {
		case !counted(m):
		case i < firstUnsent:
			out++
			outBytes += m.St.Size
		default:
			in++
			inBytes += m.St.Size
		}
	}
	return in, out, inBytes, outBytes
}

// statsForwardError counts m, which link lk could not take.
func (lk *Link) statsForwardError(m *msg.Msg) {
	c := lk.env.ClientStats(m)
	if c == nil || c.Shard == nil {
		return
	}
	sh := c.Shard
	if lk.Peer {
		sh.Inc(stats.PeerForwardError)
	} else {
		sh.Inc(stats.ForwardError)
	}
}
