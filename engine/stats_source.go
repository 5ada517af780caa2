package engine

import (
	"github.com/dynomite-go/dynomite/engine/stats"
)

// What a snapshot adds to the shards' sums (stats.Source): events the node
// counts on its own atomics, off the request path or on rare branches, the
// queues of the accepted peer connections and the pool sizes of /info.
//
//	client_dropped_requests      + requests refused at max_msgs (Node.admit)
//	peer_mismatch_requests       peer replies whose id skipped the head request
//	peer_dropped_requests        + swallowed copies not sent (peer down, queue full)
//	remote_peer_dropped_requests + remote-DC copies that no rack could take
//	remote_peer_failover_requests remote-DC copies sent to another rack
//	client_auth_failures         failed AUTH attempts (engine/session)
//	client_tls_handshake_failures, peer_tls_handshake_failures: failed
//	                             handshakes on the TLS listeners (inbound.TLSSide)
//	dnode_client_in_queue, dnode_client_out_queue (+ bytes): read from the
//	                             accepted peer connections (inbound.Conn.Queues)
//
// Memory, as C Dynomite's never-shrinking free lists would show it:
//
//	alloc_msgs   msgs the node's pool made (sync.Pool New calls)
//	free_msgs    of those, the ones not in use (the pool's, or dropped by
//	             the garbage collector since: an upper bound)
//	alloc_mbufs  the most buffers in use seen by a snapshot
//	free_mbufs   of those, the ones not in use now
//
// Msgs in use are the ones max_msgs counts (Node.inflight: requests and
// local replies alive), so the request path pays nothing more for them;
// the copies of routed requests in flight to peers or the local datastore
// are not among them and show as free while they fly. Buffers in use are
// the node's buffer pool's count (Node.bufs.InUse, engine/bufpool): each node
// counts its own.

func (n *Node) statsSource(v *[stats.NumMetrics]int64, mem *[stats.NumMem]int64) {
	a := &n.adm
	ps := &n.cluster.peerStats
	v[stats.ClientDroppedRequests] += a.refused.Load()
	v[stats.PeerMismatchRequests] += ps.Mismatch.Load()
	v[stats.PeerDroppedRequests] += ps.Dropped.Load()
	v[stats.RemotePeerDroppedRequests] += ps.RemoteDropped.Load()
	v[stats.RemotePeerFailoverRequests] += ps.RemoteFailover.Load()
	n.dnodeQueues(v)
	v[stats.ClientTLSHandshakeFailures] += n.sec.clientSide.Failed.Load()
	v[stats.PeerTLSHandshakeFailures] += n.sec.peerSide.Failed.Load()
	if e := n.in.Session; e != nil {
		v[stats.ClientAuthFailures] += e.AuthFailures.Load()
	}

	inUse := n.env.Inflight.Load()
	made := n.msgs.Made()
	mem[stats.AllocMsgs] = made
	mem[stats.FreeMsgs] = max(made-inUse, 0)

	bufs := n.env.Bufs.InUse()
	peak := a.bufsPeak.Load()
	for bufs > peak && !a.bufsPeak.CompareAndSwap(peak, bufs) {
		peak = a.bufsPeak.Load()
	}
	peak = max(peak, bufs)
	mem[stats.AllocMbufs] = peak
	mem[stats.FreeMbufs] = peak - bufs
}

// dnodeQueues adds the queues of the accepted peer connections to v
// (dnode_client_*, engine/inbound's stats.go).
func (n *Node) dnodeQueues(v *[stats.NumMetrics]int64) {
	var stk [16]*accepted // one per peer connection: a few per other node
	peers := stk[:0]
	n.mu.Lock()
	for c := range n.clients {
		if !c.Kind.Client {
			peers = append(peers, c)
		}
	}
	n.mu.Unlock()
	for _, c := range peers {
		c.Queues(v)
	}
}
