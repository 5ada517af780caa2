package dnode

import "errors"

// Errors returned by Parser.Parse. Compare with errors.Is.
var (
	// ErrIncomplete: no complete header yet; read more bytes and call Parse
	// again with them appended. Nothing was consumed (but garbage before a
	// possible frame may be reported as skipped).
	ErrIncomplete = errors.New("dnode: incomplete frame header")
	// ErrDataTooLong: data_len is over Limits.MaxData. The connection cannot
	// be resynchronised safely and should be closed.
	ErrDataTooLong = errors.New("dnode: data length over limit")
	// ErrPayloadTooLong: payload_len is over Limits.MaxPayload. The
	// connection should be closed.
	ErrPayloadTooLong = errors.New("dnode: payload length over limit")
)
