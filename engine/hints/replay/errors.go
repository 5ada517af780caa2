package replay

import "errors"

// Errors of the package.
var (
	// ErrReply: the datastore sent a reply of an unexpected type.
	ErrReply = errors.New("replay: unexpected reply")
	// ErrTooLarge: a reply is larger than the Conn's limit.
	ErrTooLarge = errors.New("replay: reply too large")
)

// ServerError is an error reply of the datastore ("-ERR ...", or a
// memcached ERROR/CLIENT_ERROR/SERVER_ERROR line), without its CRLF.
type ServerError struct{ Msg string }

func (e *ServerError) Error() string { return "replay: datastore error: " + e.Msg }
