// Package dnode is the wire format between Dynomite nodes (docs/compat.md §5): the
// frame header that precedes every request, response and gossip message on
// a peer connection, and its message types.
//
//	"   $2014$ " <msg_id> " " <type> " " <flags> " " <version> " " <same_dc>
//	" *" <data_len> " " <data> " *" <payload_len> "\r\n" <payload>
//
// Every number is ASCII decimal. The payload that follows the header is
// owned by another codec: for an unencrypted frame it is a Redis or
// memcached message that the payload codec parses itself (payload_len is
// ignored by C Dynomite's receiver and may be 0); for an encrypted frame
// (FlagEncrypted) payload_len is the exact ciphertext length, and the
// optional data blob carries the sender's encrypted session key (docs/compat.md §5.4).
// Header exposes both so an encryption layer can be added on top of this
// package without changing it.
//
// Parser.Parse reads a header from a byte slice and AppendHeader writes
// one; neither does I/O, starts goroutines or allocates. AppendHeader
// writes exactly what C Dynomite writes. Parse accepts exactly that layout
// (C's parser also tolerates stray '*' in data_len and junk before the
// payload '*', which no writer produces), skips garbage before "$2014$"
// and resynchronises over malformed headers as C does, and, unlike C,
// bounds every number and length (Limits) instead of waiting forever for a
// huge announced data blob.
//
// Encryption (crypt.go, rsakey.go) is C Dynomite's, byte for byte: a
// per-connection Cipher (AES-128-CBC, IV = key, PKCS#7, one chunk per C
// mbuf) and the RSA-OAEP session key exchange under the cluster's key
// (RSAKey); Secured builds the header of an encrypted frame.
//
// Imports: the standard library and klauspost/cpuid (AESNI) only. dnode
// must not import ring, replica, engine, conf or the payload codecs.
//
// Concurrency: AppendHeader, the Type methods and an RSAKey are safe for
// concurrent use; a Cipher belongs to one goroutine at a time. A Parser
// holds only its Limits and may be shared by goroutines as long as nobody
// changes the Limits meanwhile.
package dnode
