package resp

import "errors"

// Sentinel errors. Callers compare with errors.Is, never with err.Error().
var (
	// ErrIncomplete means the buffer ends before the frame does. Nothing was
	// consumed; call again with the same buffer start and more bytes.
	ErrIncomplete = errors.New("resp: incomplete frame")

	// ErrProtocol is the class of every *ProtocolError: errors.Is(err,
	// ErrProtocol) is true for any malformed frame.
	ErrProtocol = errors.New("resp: protocol error")

	// ErrNotSplittable means a request's keys cannot be split per owner:
	// unknown command, keys not running to the end, or a dangling value.
	ErrNotSplittable = errors.New("resp: request cannot be split by key")

	// ErrBadSubReply means a part's reply does not fit its sub-request
	// (an MGET part with the wrong element count, a DEL part that is not an
	// integer, ...). The merged reply cannot be built.
	ErrBadSubReply = errors.New("resp: sub-reply does not match its sub-request")

	// ErrReplyTooLarge means a datastore reply is valid RESP but breaks the
	// scanner's limits (a bulk or a line longer than Limits.MaxBulk). It is
	// not a protocol error: the connection stays in step, the one request
	// the reply answers fails (ReplyTooLarge), and ReplyScanner.Skip
	// discards the reply.
	ErrReplyTooLarge = errors.New("resp: reply exceeds the scanner's limits")
)

// ProtocolError is a malformed frame. Msg is the exact text Redis 7 sends
// for the same input (without the "ERR " prefix), and Reply gives the whole
// error reply line. After a ProtocolError on a client connection the
// connection is closed, as Redis does.
type ProtocolError struct {
	Msg   string // e.g. "Protocol error: invalid multibulk length"
	reply []byte
}

func newProtocolError(msg string) *ProtocolError {
	return &ProtocolError{Msg: msg, reply: []byte("-ERR " + msg + "\r\n")}
}

// Error returns the message with the package prefix.
func (e *ProtocolError) Error() string { return "resp: " + e.Msg }

// Is reports whether target is ErrProtocol.
func (e *ProtocolError) Is(target error) bool { return target == ErrProtocol }

// Reply returns the error reply a client gets, "-ERR <Msg>\r\n". The
// returned slice is shared and must not be modified.
func (e *ProtocolError) Reply() []byte {
	if e.reply == nil {
		return []byte("-ERR " + e.Msg + "\r\n")
	}
	return e.reply
}

// Request protocol errors: the texts Redis 7.0 replies for the same input.
var (
	errInvalidMultibulkLen = newProtocolError("Protocol error: invalid multibulk length")
	errInvalidBulkLen      = newProtocolError("Protocol error: invalid bulk length")
	errTooBigInline        = newProtocolError("Protocol error: too big inline request")
	errTooBigMbulkCount    = newProtocolError("Protocol error: too big mbulk count string")
	errTooBigBulkCount     = newProtocolError("Protocol error: too big bulk count string")
	errUnbalancedQuotes    = newProtocolError("Protocol error: unbalanced quotes in request")
	errExpectedDollar      [256]*ProtocolError // "Protocol error: expected '$', got 'X'", one per byte
)

// Reply protocol errors: a datastore sent something that is not RESP.
// Redis has no text for these; they never reach a client verbatim.
var (
	errReplyType     = newProtocolError("Protocol error: invalid reply type byte")
	errReplyLength   = newProtocolError("Protocol error: invalid reply length")
	errReplyLine     = newProtocolError("Protocol error: reply line not terminated by CRLF")
	errReplyInteger  = newProtocolError("Protocol error: invalid integer reply")
	errReplyNotArray = newProtocolError("Protocol error: reply is not an aggregate")
)

func init() {
	for i := range errExpectedDollar {
		// Redis writes CR and LF in an error reply as spaces.
		got := string([]byte{oneLine(byte(i))})
		errExpectedDollar[i] = newProtocolError("Protocol error: expected '$', got '" + got + "'")
	}
}
