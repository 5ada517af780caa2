// Package resp is the Redis wire format for the proxy: a resumable RESP2
// request parser (multibulk and inline), a reply scanner for every RESP2
// and RESP3 type, append-style encoders, Redis's error replies, the Redis
// 7.0 command table (arity, key specifications, flags, Dynomite routing
// classes), and the split and merge of multi-key commands.
//
// It does no I/O, starts no goroutines and imports nothing of this module
// (the command table generator in ./gen is a separate program).
//
// # Requests
//
//	var p resp.Parser    // one per connection; zero value = Redis 7 limits
//	var req resp.Request // reused; keeps its Args capacity
//	n, err := p.Parse(buf, &req)
//
// buf starts at the first unconsumed byte. Parse returns the length n of
// the first whole request, or 0 and ErrIncomplete (call again with the same
// start and more bytes, the buffer may be a grown copy: only the new bytes
// are scanned), or 0 and a *ProtocolError (errors.Is(err, ErrProtocol))
// whose Reply() is Redis's exact "-ERR Protocol error: ..." line; then the
// connection is closed. req.Args are sub-slices of buf (no copy) valid
// until buf is modified or released; req.Cmd is the command table entry,
// nil for an unknown command. Parse never checks arity: req.Validate
// appends Redis's reply for an unknown command, an unknown subcommand or a
// wrong argument count, and the connection stays open after it (C
// Dynomite closes it without a reply).
//
// Limits (Limits, DefaultLimits) are Redis 7's: 512 MiB bulks, 1,048,576
// multibulk arguments, 64 KiB inline lines and length lines. A declared
// length over a limit is refused at once; nothing is ever allocated in
// proportion to a declared length.
//
// Differences from redis-server 7.0, all at the edges: a multibulk count
// above MaxArgs is "invalid multibulk length" (Redis 7 waits up to
// INT_MAX arguments); an inline line is limited by its own length, whatever
// the read sizes; more than MaxInline bytes of blank lines in a row are
// "too big inline request"; a NUL byte in an inline line is data (Redis
// stops at it).
//
// # Replies
//
// ReplyScanner.Scan finds the end of one complete reply, any type and any
// nesting depth (it counts the values a reply still owes, so depth costs
// nothing), resumable like Parse. A reply that is valid but longer than
// the limits allow gives ErrReplyTooLarge: the request it answers fails
// and ReplyScanner.Skip discards it as it arrives, the connection stays
// open. ArrayReader walks the elements of a complete aggregate reply.
//
// # Encoders and replies
//
// AppendSimple, AppendError, AppendInt, AppendBulk, AppendBulkString,
// AppendNullBulk, AppendArray and AppendCommand append to dst and return
// it; ReplyOK, ReplyPong and the other Reply* values are precomputed.
// ErrUnknownCommand, ErrWrongArity, ErrUnknownSubcommand and
// Command.AppendArityError give Redis 7's texts byte for byte, including
// its 128-byte truncation of quoted names and arguments. The proxy's own
// error lines are ReplyTooManyMsgs, ReplyNotSupported and the other
// proxy replies, and AppendProxyError for its failure codes;
// AppendSortAlpha is the SORT ... ALPHA form of SMEMBERS.
//
// For the node's own replies to a client that chose RESP3 with HELLO,
// AppendMap, AppendSet, AppendPush, AppendNull, AppendNullArray,
// AppendDouble, AppendBool and AppendVerbatim take the protocol and write
// what redis-server writes in it. ParseHello reads HELLO's arguments with
// Redis's error replies; AppendHelloReply writes its reply map.
//
// # Commands
//
// Lookup and LookupArgs find a command case-insensitively without
// allocating. Command.CheckArity applies Redis's arity; Command.Keys finds
// the key arguments from the key specifications (EVAL numkeys, ZUNIONSTORE,
// XREAD STREAMS, MIGRATE KEYS, SORT STORE ...). Flags carry Redis's command
// flags and Dynomite's routing classes (FlagMultiKey, FlagLocalOnly,
// FlagOwnerLocalRack, FlagAllNodes, FlagDynomite), which the routing layer
// may refine, and FlagUnsupported on the commands that cannot share a
// pipelined datastore connection (refused unless served otherwise). The
// safety and connection classes say what the rest need: FlagCrossSlot
// (several keys, not split: one owner or ReplyCrossSlot),
// FlagAdminRefused (AppendAdminRefused), FlagClusterWide, and
// Command.Dedicated for blocking, subscribing and transaction commands
// (Command.Blocks knows XREAD blocks only with BLOCK). The table is
// zz_commands.go, written by `go generate` from COMMAND of a real
// redis-server 7.0.
//
// # Multi-key commands
//
// Split.Split groups the keys of MGET, MSET, DEL, EXISTS, TOUCH or UNLINK
// (any command whose keys run to the end every Step) by owner and encodes
// one sub-request per owner; Split.Merge combines the parts' replies in
// the original key order (Command.Merge says how).
//
// # Concurrency and allocation
//
// Parser, Request, ReplyScanner, ArrayReader and Split belong to one
// goroutine at a time. Lookup, the *Command values and the encoders are safe
// for concurrent use; *Command values and Reply* slices are shared and
// must never be modified. Parsing a request, looking it up, finding its
// keys, scanning a reply, encoding, and splitting and merging with a reused
// Split allocate nothing in steady state (alloc_test.go pins it).
package resp
