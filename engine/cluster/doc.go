// Package cluster is the node's view of the other nodes: the Topology a
// request is routed on (the ring snapshot, a Peer with its links for every
// other node, the failure detector), and Live, which builds each new
// Topology when the ring changes (a seed provider's list, gossip) and
// publishes it with one atomic store.
//
// The node makes the peers (their links' hooks are the node's) through
// LiveEnv.Peer and hands Live the gossip it receives; this package never
// imports the node, nor the accepted side (engine/inbound).
//
// Concurrency: a published Topology is immutable, read by any goroutine
// with one atomic load. Live's Swap is the one writer after the first
// Topology; swaps are serialized by Live's lock, under which LiveEnv.Peer
// runs.
package cluster
