package memcache

import "errors"

// Errors returned by Parser.Parse and ReplyScanner.Scan. Compare them with ==
// or errors.Is; the reply to send is (*Error).Reply. Only ErrIncomplete and
// ErrBadReply are not *Error values.
var (
	// ErrIncomplete means more bytes are needed; nothing was consumed.
	ErrIncomplete = errors.New("memcache: incomplete frame")
	// ErrBadReply means a datastore reply does not fit the protocol or the
	// request it answers; the datastore connection must be closed.
	ErrBadReply = errors.New("memcache: malformed reply")

	// ErrUnknownCommand: unknown command name or wrong number of tokens.
	ErrUnknownCommand = newError("ERROR", false)
	// ErrBadFormat: malformed number, key over the limit, missing key.
	ErrBadFormat = newError("CLIENT_ERROR bad command line format", false)
	// ErrBadDataChunk: the data block is not followed by "\r\n".
	ErrBadDataChunk = newError("CLIENT_ERROR bad data chunk", false)
	// ErrTooLarge: declared length over Limits.MaxValue; see Request.Skip.
	ErrTooLarge = newError("SERVER_ERROR object too large for cache", false)
	// ErrBadDelta: incr/decr amount is not an unsigned 64-bit decimal.
	ErrBadDelta = newError("CLIENT_ERROR invalid numeric delta argument", false)
	// ErrBadExptime: touch/gat/gats expiration time is not a number.
	ErrBadExptime = newError("CLIENT_ERROR invalid exptime argument", false)
	// ErrDeleteUsage: delete with a time argument other than 0.
	ErrDeleteUsage = newError("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]", false)
	// ErrMetaTooLong: an mg line of more than 19 tokens (wording for mg).
	ErrMetaTooLong = newError("CLIENT_ERROR options flags are too long", false)
	// ErrMetaFlagsTooLong: an ms, md or ma line of more than 19 tokens.
	ErrMetaFlagsTooLong = newError("CLIENT_ERROR options flags too long", false)
	// ErrTooManyKeys: a retrieval with more than Limits.MaxKeys keys. This
	// limit is ours; memcached has none.
	ErrTooManyKeys = newError("CLIENT_ERROR too many keys", false)
	// ErrLineTooLong: no end of line within the limit. Fatal: memcached
	// closes the connection without a reply, and so must the caller.
	ErrLineTooLong = newError("CLIENT_ERROR line too long", true)
)

// Error is a request answered with an error line instead of being executed.
// The values are the package's sentinels; they are immutable and shared.
type Error struct {
	reply []byte // the exact line, "\r\n" included
	fatal bool
}

func newError(line string, fatal bool) *Error {
	return &Error{reply: []byte(line + "\r\n"), fatal: fatal}
}

// Error returns "memcache: " and the reply line without its "\r\n".
func (e *Error) Error() string {
	return "memcache: " + string(e.reply[:len(e.reply)-2])
}

// Reply returns the exact reply line memcached sends, "\r\n" included. The
// slice is shared: append it, never modify it. For a Fatal error nothing is
// sent: memcached closes the connection silently.
func (e *Error) Reply() []byte { return e.reply }

// Fatal reports whether the connection must be closed (with no reply, as
// memcached does) instead of answering and reading on.
func (e *Error) Fatal() bool { return e.fatal }

// Limits bound what a Parser or ReplyScanner accepts. They are part of the
// API so memory stays flat whatever a peer declares: nothing is allocated in
// proportion to a declared length.
type Limits struct {
	// MaxKeyLen is the longest key (memcached: 250).
	MaxKeyLen int
	// MaxValue is the largest data block. Larger declared lengths get
	// ErrTooLarge (requests) or ErrBadReply (replies). Set it to the item
	// size limit of the datastore (memcached -I, default 1 MiB).
	MaxValue int
	// MaxLine is the longest command or reply line, "\r\n" included, for
	// everything but retrievals (memcached closes the connection when 2048
	// bytes hold no end of line).
	MaxLine int
	// MaxKeys is the most keys in one get, gets, gat or gats. Their line may
	// be up to MaxKeys*(MaxKeyLen+1)+MaxLine bytes long.
	MaxKeys int
}

// DefaultLimits are memcached's defaults, plus a key count of our own.
var DefaultLimits = Limits{MaxKeyLen: 250, MaxValue: 1 << 20, MaxLine: 2048, MaxKeys: 10000}

// maxMetaTokens is the most tokens memcached accepts on an mg, ms, md or ma line.
const maxMetaTokens = 19

// maxValueLen is the largest length memcached can represent (its int plus
// the "\r\n"); longer declared lengths are malformed.
const maxValueLen = 1<<31 - 3

// Request is one parsed command. Tokens, Keys and Value are sub-slices of the
// buffer given to Parser.Parse (zero copy) and are valid until that buffer is
// modified or released. The frame itself is buf[:n].
type Request struct {
	Cmd Command
	// Tokens are the space-separated tokens of the command line; Tokens[0]
	// is the command name as sent. The slice is reused between requests.
	Tokens [][]byte
	// Keys are the keys, a sub-slice of Tokens (Tokens[Cmd.FirstKey():...]).
	// Empty for keyless commands and for gat/gats with no key.
	Keys [][]byte

	Flags   uint64 // storage: client flags as sent (memcached keeps the low 32 bits)
	Exptime int64  // storage, touch, gat, gats: expiration time
	Bytes   int    // storage, ms: declared data length
	Cas     uint64 // cas: the cas unique
	Delta   uint64 // incr, decr: the amount

	// NoReply: the request carries noreply; the server sends no reply, not
	// even an error (except ERROR for an unknown command).
	NoReply bool
	// Quiet: a meta command with the q flag; the server omits HD (and EN
	// for mg), so a reply may not come.
	Quiet bool
	// Base64: a meta command with the b flag; its key is base64 encoded.
	Base64 bool

	// Value is the data block of a storage command or ms, without "\r\n".
	Value []byte
	// Skip is set with ErrTooLarge: the number of bytes after the command
	// line (the declared data block and its "\r\n") that the caller must
	// discard before parsing the next request.
	Skip int
}

// Reset clears the request and keeps the capacity of Tokens.
func (r *Request) Reset() {
	*r = Request{Tokens: r.Tokens[:0]}
}

// Key returns the first key, or nil when the command has none.
func (r *Request) Key() []byte {
	if len(r.Keys) == 0 {
		return nil
	}
	return r.Keys[0]
}

// MetaFlags returns the flag tokens of a meta command (after the key, and
// after the data length for ms), or nil.
func (r *Request) MetaFlags() [][]byte {
	if !r.Cmd.Is(FlagMeta) {
		return nil
	}
	first := 2
	if r.Cmd == CmdMetaSet {
		first = 3
	}
	if r.Cmd == CmdMetaNoop || len(r.Tokens) <= first {
		return nil
	}
	return r.Tokens[first:]
}
