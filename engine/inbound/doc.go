// Package inbound is the node's accepted side: the connections a listener
// accepted, a client's or a peer's on dyn_listen (Conn). It owns their
// input (the carry between reads, the framing of requests: RESP, memcached
// text, and the dnode header in front of a peer's), the client state
// (pipeline and unsent-reply bounds, pause and resume, QUIT, the
// connection's consistency levels), the local replies, the replies in
// request order and their flush (one non-blocking write per batch, a slow
// flush on a goroutine of its own), the half-close linger, and the
// accepted half of the request path's stats.
//
// A Conn is a msg.Owner: a dialled connection or a fan-out answers a msg
// through it without knowing its kind. What to do with a request is its
// node's: the node fills an Env once with what the connections use of it
// (bounds, counters, the msg pool) and two handlers, Dispatch for a
// client's request and Peer for a peer's, so this package imports neither
// the node nor the dialled side.
//
// The node calls NewConn for each accepted connection, OnInput with what
// netpoll read, OnClose from netpoll's close callback, and CloseLater at
// shutdown. On a TLS listener it calls TLSSide.Accept instead, and hands
// what netpoll read to TLSConn.OnRequest, which decrypts it into OnInput
// (tls.go). Its router answers a request through Local (a fixed reply),
// Push and Reply (a forwarded one).
//
// Locks, always taken in this order and never the other way: a Conn's
// input lock (held by OnInput), then Mu or WMu of any connection. Mu is
// never held while taking another connection's Mu, nor across netpoll's
// Close (whose close callback takes it).
package inbound
