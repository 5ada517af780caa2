package engine

import "errors"

// Sentinel errors of package engine.
var (
	// ErrStarted is returned by Start when the node was started before.
	ErrStarted = errors.New("engine: node already started")
	// ErrNoServer is returned by New when the configuration has no servers entry.
	ErrNoServer = errors.New("engine: no datastore in servers")
	// errConnClosed reports a write on a connection that has been closed.
	errConnClosed = errors.New("engine: connection closed")
)

// Error replies produced by the engine itself. The texts follow the C
// Dynomite table (docs/compat.md §8.5): "-ERR <source> <message>". These are the
// Redis texts; the replies for failure codes (a datastore that cannot be
// reached, lost or timed out gives STORAGE_CONNECTION_REFUSE, as in C),
// and each protocol's own texts, are in proto.go.
var (
	// replyTooManyMsgs is sent when max_msgs requests are already in
	// flight in the node. C Dynomite closes the connection in that case;
	// the engine answers and keeps the connection.
	replyTooManyMsgs = []byte("-ERR Dynomite: too many requests in flight\r\n")

	// replyEmptyKey is sent for a command whose key argument is empty.
	// C Dynomite closes the connection without a reply.
	replyEmptyKey = []byte("-ERR Dynomite: empty key\r\n")

	// replyBadConsistency answers dyno_config:conn_consistency with a level
	// that is not one of the four names.
	replyBadConsistency = []byte("-ERR Dynomite: invalid consistency level\r\n")

	// replyNotSupported answers commands that cannot share a pipelined
	// datastore connection (blocking, pub/sub, transactions, connection state).
	replyNotSupported = []byte("-ERR Dynomite: command not supported\r\n")

	// replyInputOverflow is sent before closing a client that keeps sending
	// while not reading its replies (see slowClientInput).
	replyInputOverflow = []byte("-ERR Dynomite: client sends without reading replies\r\n")

	replyOK = []byte("+OK\r\n")
)
