package dedicated

import (
	"errors"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// ErrTooMany is Open's refusal past Limits.MaxConns.
var ErrTooMany = errors.New("dedicated: too many dedicated connections")

// Replies the node makes up for dedicated commands.
var (
	// ReplyTooMany answers a dedicated command past Limits.MaxConns.
	ReplyTooMany = []byte("-ERR max number of dedicated datastore connections reached\r\n")
	// ReplyCrossSlot answers a command whose keys have several owners in
	// the local rack, or inside a transaction or WATCH another owner than
	// the transaction's.
	ReplyCrossSlot = []byte("-CROSSSLOT Keys in request don't hash to the same slot\r\n")
	// ReplyRemoteOwner answers a dedicated command whose keys are owned,
	// in the local rack, by another node that the client cannot reach
	// through this one: the client is itself on a client tunnel (the two
	// nodes' rings disagree).
	ReplyRemoteOwner = []byte("-ERR keys of blocking commands and transactions must be owned by this node in its rack; connect to the owner\r\n")
	// ReplyTunnelEncrypted answers a dedicated command whose keys another
	// node of the local rack owns when secure_server_option encrypts the
	// links to it: a client tunnel is plaintext.
	ReplyTunnelEncrypted = []byte("-ERR keys of blocking commands and transactions are owned by another node of this rack, whose peer links are encrypted (secure_server_option); connect to the owner\r\n")
	// ReplyTxTooLong answers a command queued past Limits.MaxQueued or
	// Limits.MaxTxBytes; the transaction is aborted (EXECABORT).
	ReplyTxTooLong = []byte("-ERR transaction too long; EXEC will abort it\r\n")
	// ReplyBacklog closes a client that sends more than Limits.MaxBacklog
	// before its dedicated connection is up, or that the connection does
	// not take.
	ReplyBacklog = []byte("-ERR too much input queued for the dedicated datastore connection\r\n")
	// ReplyDedicatedLost closes a client whose dedicated connection could
	// not be dialled or was lost.
	ReplyDedicatedLost = []byte("-ERR Storage: dedicated datastore connection lost\r\n")
	// ReplyWait answers WAIT: replication is the node's, not Redis's.
	ReplyWait = []byte("-ERR WAIT is not supported: the node replicates writes itself\r\n")
	// ReplyReset answers RESET.
	ReplyReset = []byte("+RESET\r\n")
	// ReplyNotInMulti answers a command the node serves itself (CLIENT
	// SETNAME, SELECT, AUTH, HELLO) inside MULTI; EXEC then aborts.
	ReplyNotInMulti = []byte("-ERR Dynomite: this connection command cannot be queued inside MULTI; the transaction is aborted\r\n")
	// ReplyNotSupported answers a refused command inside a session.
	ReplyNotSupported = resp.ReplyNotSupported
)

// placeholder is the command sent in place of a refused one: unknown to
// Redis, it gets exactly one error reply (replaced by the node's) and
// marks an open transaction for EXECABORT.
var placeholder = []byte("*1\r\n$16\r\nDYNOMITE.REFUSED\r\n")
