package outbound

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/stats"
	"github.com/dynomite-go/dynomite/replica"
)

// Sentinel errors of package outbound.
var (
	// errConnClosed reports a write on a connection that has been closed.
	errConnClosed = errors.New("outbound: connection closed")
	// errStopped reports a dial after the node stopped the link.
	errStopped = errors.New("outbound: node shut down")
	// errNeedMore is scan's "the reply is incomplete".
	errNeedMore = errors.New("outbound: incomplete reply")
	// errNoRequest: the datastore sent bytes while no request was outstanding.
	errNoRequest = errors.New("outbound: reply without request")
)

// Env is what the dialled connections of a node use of it. The node fills
// it once, calls Init, and only reads it afterwards; the counters are the
// node's.
type Env struct {
	Core *core.Env
	Log  *slog.Logger
	// WG counts the writer goroutines (one per open connection).
	WG      *sync.WaitGroup
	Closing *atomic.Bool // the node shuts down
	// Sends counts the batches written; Timeouts and PeerTimeouts the
	// datastore and peer connections closed on a timeout; Mismatch the
	// peer replies whose id skipped the head request.
	Sends, Timeouts, PeerTimeouts, Mismatch *atomic.Int64
	// MsgIDs numbers the dnode requests sent to peers.
	MsgIDs atomic.Uint64

	KeepCap     int           // largest buffer a connection keeps for its next batch
	DialTimeout time.Duration // of one dial
	RetryCap    time.Duration // longest reconnect back-off to the datastore
	Timeout     time.Duration // the configured request timeout, for logs
	// RequestTimeout is the datastore request timeout in force (0: none);
	// TimeoutFactor scales the peers' extra time (docs/compat.md §9.1).
	RequestTimeout func() time.Duration
	TimeoutFactor  func() int

	// ReplyLimits bound a Redis reply from the datastore (zero:
	// resp.DefaultLimits). A reply past them fails its request with
	// resp.ReplyTooLarge and is skipped; the connection stays open.
	ReplyLimits resp.Limits

	// Memcache: the datastore speaks memcached's text protocol; else Redis.
	Memcache bool
	MCLimits memcache.Limits

	// Shard gives a new connection its stats shard (nil: stats off).
	Shard func() *stats.Shard
	// Owner gives the stats of the client conn whose request m (size
	// bytes) is, or is a copy of, and the request's arrival clock when m
	// is a routed copy (0 otherwise). On a datastore conn (peer false) it
	// tags an untagged routed copy for the stats. Called only with stats
	// on, as m is queued, with the conn's Mu held.
	Owner func(m *msg.Msg, size int, peer bool) (client *core.Stats, start int64)
	// ClientStats gives the stats of the client conn of m (nil: none).
	ClientStats func(m *msg.Msg) *core.Stats

	// Set-up of each connection (dial.go). DatastoreTLS and PeerTLS, when
	// set, give the TLS configuration of one dial to a datastore or a peer
	// (secure.Certs.ClientConfig); nil dials plain. DatastoreAuth is the
	// AUTH request (AppendAuth) sent on every datastore connect before any
	// other; nil sends none.
	DatastoreTLS, PeerTLS tlsConfigFunc
	DatastoreAuth         []byte
	// PeerKey is the pem_key_file key of Dynomite's peer encryption (nil
	// with secure_server_option none); Chunk is dnode.MbufChunk(mbuf_size),
	// the plaintext size each encrypted chunk covers. A link with Secure set encrypts.
	PeerKey *dnode.RSAKey
	Chunk   int

	scan            func(s *Conn, buf []byte) (reply []byte, n int, err error)
	datastore, peer Kind
}

// Init completes e once its fields are set.
func (e *Env) Init() {
	e.scan = scanRESP
	if e.Memcache {
		e.scan = scanMemcache
	}
	e.datastore = Kind{Name: "datastore", OnInput: (*Conn).OnServerInput, FailCode: replica.StorageRefused}
	e.peer = Kind{Name: "peer", OnInput: (*Conn).OnPeerReplies, Peer: true, FailCode: replica.PeerRefused}
}

// NewLink makes the link number idx to addr on network; nothing is dialled.
func NewLink(e *Env, idx int, network, addr string) *Link {
	return &Link{env: e, Idx: idx, network: network, Addr: addr}
}
