// Package core is the socket core every connection of a node has, whether
// a listener accepted it (a client's, a peer's) or the node dialled it (to
// its datastore, to a peer): the descriptor, the input carried between
// reads, the output buffer and who writes it, the close gate, the
// connection's stats sums and the batch of its callbacks (Sock); and the
// bounded busy-poll a poller may make at the end of a callback (Spin).
//
// A Sock knows nothing of requests, replies or kinds; it sees its node only
// through an Env: the buffer pool, the clock's epoch, the msgs in flight and
// the busy-poll policy.
//
// Locks: Mu guards the output side (Out, Held, Flushing, Closed); WMu is
// held across every write that does not run under Mu. Mu is never held
// while taking another connection's Mu, nor across netpoll's Close.
package core
