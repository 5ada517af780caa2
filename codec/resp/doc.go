// Package resp is the Redis wire format (RESP2 requests, RESP2 and RESP3
// replies) for the proxy: a resumable request parser, a reply scanner,
// append-style encoders, Redis's error replies, the Redis 7.0 command table
// with key positions and flags, and the split and merge of multi-key
// commands.
//
// It does no I/O, starts no goroutines and imports nothing of this module.
// Parsing a request, looking its command up and encoding a reply allocate
// nothing in steady state.
//
// Concurrency: Parser, ReplyScanner and Request belong to one connection
// and are not safe for concurrent use. The command table (Lookup, *Command)
// and the encoders are safe for concurrent use; *Command values are shared
// and must never be modified.
//
// Lifetimes: every slice a parser hands out (Request.Args, a reply's
// elements) points into the caller's buffer and is valid until that buffer
// is modified or released; nothing is copied.
package resp
