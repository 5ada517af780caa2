package outbound

import (
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/stats"
	"github.com/dynomite-go/dynomite/engine/tally"
)

// Stats of the peer connections (docs/compat.md §2.2 peer_* and remote_peer_*).
//
// A copy of a routed request queued on a peer conn counts as in
// peer_in_queue (remote_peer_in_queue for a peer in another DC) with its
// frame's bytes; when its batch is handed to the socket it counts in
// peer_requests and peer_request_bytes and moves to peer_out_queue, and
// gets its send time. The time from the request's arrival (its client's
// input batch) to that send is the copy's queue wait, recorded in
// cross_zone_queue_wait (cross_region_queue_wait across DCs) as
// server_queue_wait is for the datastore; a copy sent later from a reply
// path (a DC_ONE read retried on another rack) records none. The copy's
// reply counts in peer_responses and peer_response_bytes, leaves the out
// queue and records the round trip (cross_zone_latency in the DC,
// cross_region_rtt across DCs). Replies of one read are summed (peerTally)
// and added at the end of the read. When a peer conn closes, the copies on
// it count as dropped (and as timed out when a timeout closed it), the
// close as peer_eof, peer_err or peer_timedout and as an eject.
// peer_connections counts the conns to peers that are open.

// metrics returns the metric set of peer conn s.
func (s *Conn) peerMetrics() *tally.PeerMetrics {
	if s.link.SameDC {
		return &tally.LocalPeer
	}
	return &tally.RemotePeer
}

// statsServerOpen counts a new peer conn in peer_connections.
func (s *Conn) statsOpen() {
	if sh := s.St.Shard; sh != nil && s.kind.Peer {
		sh.Inc(stats.PeerConnections)
	}
}

// statsPeerQueued counts m, a frame of size bytes just queued on peer conn
// s (s.mu held), in the peer in-queue gauges, on the shard of m's client,
// and gives it its request's arrival time. Every copy on a peer conn is
// queued by fanout.send, which holds the fan-out's mu.
func (s *Conn) statsPeerQueued(m *msg.Msg, size int) {
	sh := s.St.Shard
	if sh == nil {
		return
	}
	c, start := s.env.Owner(m, size, true)
	if c != nil && c.Shard != nil {
		sh = c.Shard
	}
	m.St.Peer = true
	m.St.Size = int64(size)
	m.St.Start = start
	pm := s.peerMetrics()
	sh.Inc(pm.InQ)
	sh.Add(pm.InQBytes, m.St.Size)
}

// statsPeerStamp is statsStamp for a peer conn (s.mu held): the unstamped
// copies at the tail of the fifo are handed to the socket.
func (s *Conn) statsPeerStamp() {
	sh := s.St.Shard
	now := s.env.Core.Clock()
	pm := s.peerMetrics()
	var k, bytes int64
	var wait tally.Run
	for i := s.fifo.Len() - s.unstamped; i < s.fifo.Len(); i++ {
		if m := s.fifo.At(i); m.St.Peer {
			m.St.Sent = now
			k++
			bytes += m.St.Size
			if m.St.Start != 0 {
				wait.Add(sh, pm.Wait, (now-m.St.Start)/1000)
			}
		}
	}
	if k == 0 {
		return
	}
	wait.Flush(sh, pm.Wait)
	sh.Add(stats.PeerRequests, k)
	sh.Add(stats.PeerRequestBytes, bytes)
	sh.Add(pm.InQ, -k)
	sh.Add(pm.InQBytes, -bytes)
	sh.Add(pm.OutQ, k)
	sh.Add(pm.OutQBytes, bytes)
	sh.Observe(pm.InDepth, k)
	sh.Observe(pm.OutDepth, int64(s.fifo.Len()))
}

// statsPeerDone counts m, just taken off the fifo of peer conn s by a reply
// with msg id id of size bytes: it leaves the out queue, and when the
// reply is m's, counts as a response with its round trip. Poller only.
func (s *Conn) statsPeerDone(m *msg.Msg, id uint64, size int) {
	if s.St.Shard == nil || !m.St.Peer {
		return
	}
	t := &s.St.PeerTally
	t.OutQ++
	t.OutQBytes += m.St.Size
	if id != m.PeerID {
		return
	}
	t.Resp++
	t.RespBytes += int64(size)
	if m.St.Sent != 0 {
		if s.St.Now == 0 {
			s.St.Now = s.env.Core.Clock()
		}
		t.RTT.Add(s.St.Shard, s.peerMetrics().RTT, (s.St.Now-m.St.Sent)/1000)
	}
}

// statsPeerFlush adds the tally of the read that just ended; the next
// read takes a new clock.
func (s *Conn) statsPeerFlush() {
	sh, t := s.St.Shard, &s.St.PeerTally
	s.St.Now = 0
	t.Flush(sh, s.peerMetrics())
}

// statsPeerClosed is statsServerClosed for a peer conn: the copies still
// on it are dropped.
func (s *Conn) statsPeerClosed() {
	s.statsPeerFlush()
	s.St.Shard.Dec(stats.PeerConnections)
	s.statsClosed(&s.peerMetrics().CloseMetrics, func(m *msg.Msg) bool { return m.St.Peer }, -1)
}
