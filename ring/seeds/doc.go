// Package seeds reads the seed lists of Dynomite's seed providers and turns
// an accepted list into a ring snapshot (docs/compat.md §6.4).
//
// A seed list is a run of records joined by '|':
//
//	host:port:rack:dc:tokens|host:port:rack:dc:tokens|...
//
// Each record is split from the right at its last four colons, as C Dynomite
// does, so the host may be a bare IPv6 literal ("::1:8101:r:d:0") or a
// bracketed one ("[::1]:8101:r:d:0"). tokens is one decimal token or a comma
// list (virtual nodes), read by ring.ParseTokens.
//
// Parse does no I/O: a host name stays a name (the engine resolves it when it
// dials). Bad records are skipped, each with a Skip that says why, and the
// good ones are kept; only a list over the Limits is refused whole, so memory
// stays bounded whatever a provider returns. Build then places the accepted
// records around this node and calls ring.New, skipping records that would
// make the ring ambiguous (a second node for a token, this node's position
// at another address).
//
// Differs from C: a malformed record is skipped with a reason (C reads
// garbage as empty fields or token 0), and host names are not resolved here.
//
// Imports: the standard library and ring only; no conf, engine or codec.
//
// Concurrency: every function is safe for concurrent use; a List and the
// slices it holds are not modified after Parse returns.
package seeds
