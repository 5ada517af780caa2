// Package ring owns key placement: tokens, the hash functions of the
// Dynomite configuration (`hash:`), hash tags, and the DC -> rack -> node
// topology with one token continuum per rack.
//
// A Snapshot is built once from a plain list of Node values (New) and is
// immutable afterwards. The user keeps the current one in an
// atomic.Pointer[Snapshot] and swaps in a new one when membership changes;
// a lookup is then one atomic load plus one binary search, and allocates
// nothing.
//
// Placement follows C Dynomite (docs/compat.md §4.2): a key is hashed to a 32-bit
// token; in every rack the owner is the node with the smallest token >= the
// key's token, wrapping to the smallest token when the key's token is above
// the largest one. A node may hold several tokens (virtual nodes).
//
// Where this package deliberately differs from C Dynomite (each is
// explained where it is implemented):
//
//   - several tokens per node work (C parses a list but uses one token);
//   - `murmur3` is the real MurmurHash3 x86_32, seed 0 (C's is a stub);
//   - an empty hash tag such as "{}" hashes the whole key (C hashes nothing
//     and serves the key from whichever node received it), see HashTag;
//   - an empty key is hashed like any other key; keyless commands are
//     routed by the caller, never through Token;
//   - the remote rack for cross-DC replication uses the position of the
//     local rack in its own DC, as C intends but does not do, see
//     RemoteRacks;
//   - two equal tokens in one rack are an error instead of an arbitrary
//     owner, and a token with a non-digit is an error instead of 0.
//
// Imports: the standard library only. ring must not import conf, codec,
// replica, engine or anything else of this module, and knows nothing about
// connections: nodes are indexes into the slice given to New.
//
// Concurrency: a *Snapshot and the HashFunc values are safe for concurrent
// use by any number of goroutines without locking, because nothing in them
// changes after New returns. Slices returned by Snapshot methods are shared
// and must not be modified.
package ring
