// Package outbound is the node's dialled side: the connections it dials to
// its datastore and to its peers (Conn), the link that holds one of them
// and reconnects with back-off (Link), their writers and timeouts, the
// framing of requests (a dnode header on a peer's, joined single-key gets
// toward memcached) and the matching of replies to the FIFO of requests
// (in order for the datastore, by msg id for a peer), and the dialled half
// of the request path's stats.
//
// A reply goes to the msg's owner (msg.Owner), so this package never knows
// whether a client or a fan-out asked. What it needs of its node is an Env
// the node fills once: counters, bounds, the timeout in force and the stats
// hooks that need the request's client (Env.Owner, Env.ClientStats).
//
// The node calls NewLink for each datastore or peer connection, Link.Start
// or Link.Reconnect to dial, Link.Enqueue per request (false: down or
// full) and Link.Stop at shutdown.
package outbound
