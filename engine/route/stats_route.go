package route

import (
	"github.com/dynomite-go/dynomite/engine/stats"
)

// Stats of routing (docs/compat.md §2.2): what becomes of a request between its
// client and the connections it, or its copies, are queued on. Each counts
// on a rare branch or once per split request, on the shard of the
// request's client.
//
//	client_non_quorum_r_responses  a routed read (each part of a split one)
//	                               decided without a quorum: too few good
//	                               replies, or no checksum agreement
//	                               (replica.Tracker.NoQuorum; quorum levels)
//	client_non_quorum_w_responses  the same for a write
//	forward_error                  a request or copy the local datastore's
//	                               connection could not take (down, closed):
//	                               a single node answers the Storage error,
//	                               a cluster fails the copy in its tracker
//	peer_forward_error             a copy a peer connection could not take
//	                               (not connected, closed, full); a gauge in
//	                               C Dynomite's table, it only counts up
//	fragments                      the parts a multi-key request is split
//	                               into (docs/compat.md §4.5), Redis and memcached
//
// A split request counts its parts' quorum decisions one by one, as C
// Dynomite, whose fragments each have their own response manager.

// statsDecided counts the decision of f when it was reached without a
// quorum. Callers hold f.mu.
func (f *fanout) statsDecided() {
	sh := f.owner.St.Shard
	if sh == nil || !f.tr.NoQuorum() {
		return
	}
	if f.plan.Req.Write {
		sh.Inc(stats.ClientNonQuorumWResponses)
	} else {
		sh.Inc(stats.ClientNonQuorumRResponses)
	}
}

// statsFragments counts the n parts of the request c just split.
func statsFragments(c *accepted, n int) {
	if sh := c.St.Shard; sh != nil {
		sh.Add(stats.Fragments, int64(n))
	}
}
