// Package replay copies keys from one datastore to another: the replay of
// hints (engine/hints) and the copy step of warm-up and repair.
//
// For Redis a key is copied by value, not by command: DUMP and PTTL on the
// source, then on the target RESTORE key ttl payload REPLACE, or DEL when
// the source no longer holds the key. Copying a key twice leaves the target
// as copying it once, for every data type (a counter is never applied
// twice). Plan and Result are the pure part; Copier runs them in pipelined
// batches over two blocking Conns, rate-limited in keys per second.
//
// For memcached a key is copied with get on the source and set on the
// target (value and flags), or delete when the source misses. The text
// protocol's get does not return an item's expiry, so the copy is stored
// with exptime 0: a copied item never expires on the target (it stays until
// evicted, deleted or overwritten), and its CAS unique and LRU position are
// the target's own, new ones.
//
// This is background work, not the netpoll hot path: a Conn blocks on
// net.Conn reads and writes with a deadline per round trip. A Conn and a
// Copier belong to one goroutine.
//
// The package imports the standard library, codec/resp, codec/memcache and
// golang.org/x/time/rate.
package replay
