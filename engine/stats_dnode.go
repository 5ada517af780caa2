package engine

import (
	"github.com/dynomite-go/dynomite/engine/stats"
)

// Queues of the accepted peer connections (rolePeerIn), docs/compat.md §2.2
// dnode_client_*. They are read from the connections when a snapshot is
// taken, as the pool sizes are (stats_source.go), so the request path pays
// nothing for them and they are exact:
//
//	dnode_client_out_queue        requests a peer sent whose replies have not
//	                              gone back to it yet: the connection's reply
//	                              queue (pending), as the out queue of a dnode
//	                              client in C Dynomite; its depth is what
//	                              dnode_client_out_queue_99 samples
//	dnode_client_in_queue         of those, the ones still waiting for their
//	                              reply: queued on the local datastore
//	                              (DMSG_REQ) or on this DC's racks
//	                              (DMSG_REQ_FORWARD); C Dynomite never sets it
//	dnode_client_*_queue_bytes    the same requests' payload bytes (dnode
//	                              header excluded); a reply the node made up
//	                              (bad command, max_msgs) counts 0 bytes
//
// Both go back to 0 once the node is idle; a closed connection holds
// nothing.

// dnodeQueues adds the queues of the accepted peer connections to v.
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
