// Package gossip is the payload of C Dynomite's GOSSIP_SYN frames
// (docs/compat.md §6.3): node records and node states, encoded and decoded
// without I/O. The dnode frame around the payload is codec/dnode's; what a
// node does with a record (add a node, replace an address, update a state)
// is the engine's.
//
// A record is
//
//	dc$rack$token,ts,state,address
//
// with token a decimal uint32, ts unix seconds, state a numeric State and
// address the sender's broadcast address (a host; a peer's port is taken to
// be the receiver's own dyn_listen port). An announcement is one record; a
// state table is records joined by '|'. The encoders write exactly what C
// writes.
//
// Decode reads fields from the right as C does. Unlike C, which drops a
// whole message at its first bad record and reads non-digits as 0, Decode
// skips each bad record with a reason (Skip) and keeps the others, and
// refuses a payload over its Limits whole.
//
// Imports: the standard library, ring and ring/seeds (names and hosts are
// checked by the seed list's rules, since both end up in the same ring).
//
// Concurrency: every function is safe for concurrent use.
package gossip
