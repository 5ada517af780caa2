// Package memcache is the memcached text protocol: a resumable request parser, a
// reply scanner, append-style encoders, and the split and merge of multi-key
// retrievals (get, gets, gat, gats) over several owners. For a proxy that
// shares a memcached connection between clients it also has the joining of
// single-key gets into multi-key lines and the cut of their replies back per
// key (GetBatch), the loud form of noreply and quiet requests and the muting
// of their replies (AppendLoud, Mute), and the proxy's own error lines
// (ReplyTooManyMsgs, AppendProxyError ...).
//
// It owns the wire format only. It does no I/O, starts no goroutines, and
// imports nothing of this module. Parsing a request or scanning a reply
// allocates nothing once the caller's reusable slices have grown to size.
//
// Concurrency: a Parser, ReplyScanner, Splitter or GetBatch holds the state of one
// stream or request and must be used by one goroutine at a time. The command table and the
// precomputed replies are read-only and safe for concurrent use.
//
// Views: keys, tokens and values in a Request are sub-slices of the buffer given
// to Parse. They are valid until that buffer is modified or released; copy them
// to keep them longer.
//
// Behaviour follows memcached 1.6 (verified against memcached 1.6.18):
//
//   - a line ends at '\n'; one '\r' before it is dropped; tokens are separated
//     by spaces only (a tab is part of a token); command names are lower case;
//   - an unknown command or a wrong number of tokens gets ERROR and only the
//     line is consumed, so a data block that follows is read as commands;
//   - a malformed number or a key over 250 bytes gets CLIENT_ERROR bad command
//     line format, again consuming only the line;
//   - a data block not followed by "\r\n" gets CLIENT_ERROR bad data chunk and
//     exactly <bytes>+2 bytes after the line are consumed;
//   - a declared length over Limits.MaxValue gets SERVER_ERROR object too large
//     for cache and the caller must discard the <bytes>+2 bytes that follow
//     (Request.Skip); memcached answers only after it has swallowed them, and
//     for set it also unlinks the item stored under the key (a proxy that
//     answers by itself keeps that effect by forwarding a delete);
//   - a declared length over 2147483645 (such as 10 GB) gets
//     CLIENT_ERROR bad command line format at once and nothing is swallowed.
//     memcached truncates such a length to 32 bits and may swallow up to
//     2 GiB before it answers; we do not copy that;
//   - noreply (classic commands, as the last token) suppresses every reply,
//     including CLIENT_ERROR and SERVER_ERROR, but not the ERROR of an
//     unknown command or a wrong token count;
//     the q flag of meta commands suppresses HD, and EN for mg, while NF, NS,
//     EX and errors still come: the caller learns of it from Request.Quiet and
//     cannot count on one reply per quiet request (clients end a quiet batch
//     with mn);
//   - a line with no '\n' within Limits.MaxLine bytes closes the connection
//     without a reply, except for retrievals, whose line is bounded by
//     Limits.MaxKeys keys instead. memcached still serves a longer line that
//     happens to arrive in one read; the parser refuses it whatever the
//     arrival, so the outcome never depends on how the bytes were split.
package memcache
