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
// slice is shared: append it, never modify it.
func (e *Error) Reply() []byte { return e.reply }

// Fatal reports whether the connection must be closed (with no reply, as
// memcached does) instead of answering and reading on.
func (e *Error) Fatal() bool { return e.fatal }
