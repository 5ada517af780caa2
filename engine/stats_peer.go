package engine

import "github.com/dynomite-go/dynomite/engine/stats"

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

// peerMetrics are the metrics of a local-DC or a remote-DC peer conn; the
// close counters are shared with datastore conns (closeMetrics).
type peerMetrics struct {
	closeMetrics
	rtt, wait, outDepth, inDepth stats.Hist
}

// closeMetrics are what a closing datastore or peer conn moves: its queue
// gauges, the requests dropped and timed out, why it closed, the eject.
type closeMetrics struct {
	inQ, inQBytes, outQ, outQBytes stats.Metric
	dropped, timedoutReqs          stats.Metric
	timedout, err, eof             stats.Metric
	ejects, ejectedAt              stats.Metric
}

var serverCloseMetrics = closeMetrics{
	inQ: stats.InQueue, inQBytes: stats.InQueueBytes,
	outQ: stats.OutQueue, outQBytes: stats.OutQueueBytes,
	dropped: stats.ServerDroppedRequests, timedoutReqs: stats.ServerTimedoutRequests,
	timedout: stats.ServerTimedout, err: stats.ServerErr, eof: stats.ServerEOF,
	ejects: stats.ServerEjects, ejectedAt: stats.ServerEjectedAt,
}

var (
	localPeerMetrics = peerMetrics{
		rtt: stats.CrossZoneLatency, wait: stats.CrossZoneQueueWait,
		outDepth: stats.PeerOutQueueDepth, inDepth: stats.PeerInQueueDepth,
		closeMetrics: closeMetrics{
			inQ: stats.PeerInQueue, inQBytes: stats.PeerInQueueBytes,
			outQ: stats.PeerOutQueue, outQBytes: stats.PeerOutQueueBytes,
			dropped: stats.PeerDroppedRequests, timedoutReqs: stats.PeerTimedoutRequests,
			timedout: stats.PeerTimedout, err: stats.PeerErr, eof: stats.PeerEOF,
			ejects: stats.PeerEjects, ejectedAt: stats.PeerEjectedAt,
		},
	}
	remotePeerMetrics = peerMetrics{
		rtt: stats.CrossRegionRTT, wait: stats.CrossRegionQueueWait,
		outDepth: stats.RemotePeerOutQueueDepth, inDepth: stats.RemotePeerInQueueDepth,
		closeMetrics: closeMetrics{
			inQ: stats.RemotePeerInQueue, inQBytes: stats.RemotePeerInQueueBytes,
			outQ: stats.RemotePeerOutQueue, outQBytes: stats.RemotePeerOutQueueBytes,
			dropped: stats.RemotePeerDroppedRequests, timedoutReqs: stats.RemotePeerTimedoutRequests,
			timedout: stats.RemotePeerTimedout, err: stats.PeerErr, eof: stats.PeerEOF,
			ejects: stats.PeerEjects, ejectedAt: stats.PeerEjectedAt,
		},
	}
)

// peerTally is what the replies of one read of a peer conn add.
type peerTally struct {
	outQ, outQBytes int64
	resp, respBytes int64
	rtt             histRun
}

// metrics returns the metric set of peer conn s.
func (s *dialled) peerMetrics() *peerMetrics {
	if s.link.peer.sameDC {
		return &localPeerMetrics
	}
	return &remotePeerMetrics
}

// statsServerOpen counts a new peer conn in peer_connections.
func (s *dialled) statsServerOpen() {
	if sh := s.st.shard; sh != nil && s.kind.peer {
		sh.Inc(stats.PeerConnections)
	}
}

// statsPeerQueued counts m, a frame of size bytes just queued on peer conn
// s (s.mu held), in the peer in-queue gauges, on the shard of m's client,
// and gives it its request's arrival time. Every copy on a peer conn is
// queued by fanout.send, which holds m.fan.mu.
func (s *dialled) statsPeerQueued(m *msg, size int) {
	sh := s.st.shard
	if sh == nil {
		return
	}
	if m.owner != nil && m.owner.st.shard != nil {
		sh = m.owner.st.shard
	}
	m.st.peer = true
	m.st.size = int64(size)
	if m.fan != nil {
		m.st.start = m.fan.start
	}
	pm := s.peerMetrics()
	sh.Inc(pm.inQ)
	sh.Add(pm.inQBytes, m.st.size)
}

// statsPeerStamp is statsStamp for a peer conn (s.mu held): the unstamped
// copies at the tail of the fifo are handed to the socket.
func (s *dialled) statsPeerStamp() {
	sh := s.st.shard
	now := s.node.statsClock()
	pm := s.peerMetrics()
	var k, bytes int64
	var wait histRun
	for i := s.fifo.Len() - s.unstamped; i < s.fifo.Len(); i++ {
		if m := s.fifo.At(i); m.st.peer {
			m.st.sent = now
			k++
			bytes += m.st.size
			if m.st.start != 0 {
				wait.add(sh, pm.wait, (now-m.st.start)/1000)
			}
		}
	}
	if k == 0 {
		return
	}
	wait.flush(sh, pm.wait)
	sh.Add(stats.PeerRequests, k)
	sh.Add(stats.PeerRequestBytes, bytes)
	sh.Add(pm.inQ, -k)
	sh.Add(pm.inQBytes, -bytes)
	sh.Add(pm.outQ, k)
	sh.Add(pm.outQBytes, bytes)
	sh.Observe(pm.inDepth, k)
	sh.Observe(pm.outDepth, int64(s.fifo.Len()))
}

// statsPeerDone counts m, just taken off the fifo of peer conn s by a reply
// with msg id id of size bytes: it leaves the out queue, and when the
// reply is m's, counts as a response with its round trip. Poller only.
func (s *dialled) statsPeerDone(m *msg, id uint64, size int) {
	if s.st.shard == nil || !m.st.peer {
		return
	}
	t := &s.st.peer
	t.outQ++
	t.outQBytes += m.st.size
	if id != m.peerID {
		return
	}
	t.resp++
	t.respBytes += int64(size)
	if m.st.sent != 0 {
		if s.st.now == 0 {
			s.st.now = s.node.statsClock()
		}
		t.rtt.add(s.st.shard, s.peerMetrics().rtt, (s.st.now-m.st.sent)/1000)
	}
}

// statsPeerFlush adds the tally of the read that just ended; the next
// read takes a new clock.
func (s *dialled) statsPeerFlush() {
	sh, t := s.st.shard, &s.st.peer
	s.st.now = 0
	if t.outQ == 0 {
		return
	}
	pm := s.peerMetrics()
	sh.Add(pm.outQ, -t.outQ)
	sh.Add(pm.outQBytes, -t.outQBytes)
	if t.resp > 0 {
		sh.Add(stats.PeerResponses, t.resp)
		sh.Add(stats.PeerResponseBytes, t.respBytes)
	}
	t.rtt.flush(sh, pm.rtt)
	*t = peerTally{}
}

// statsPeerClosed is statsServerClosed for a peer conn: the copies still
// on it are dropped.
func (s *dialled) statsPeerClosed() {
	s.statsPeerFlush()
	s.st.shard.Dec(stats.PeerConnections)
	s.statsClosed(&s.peerMetrics().closeMetrics, func(m *msg) bool { return m.st.peer }, -1)
}
