package inbound

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/session"
	"github.com/dynomite-go/dynomite/engine/stats"
	"github.com/dynomite-go/dynomite/engine/tally"
	"github.com/dynomite-go/dynomite/replica"
)

// MaxPeerPipeline bounds the pending requests of one accepted peer
// connection; past it the connection's input pauses (back-pressure to the
// sender), as a client's does past Env.MaxPipeline.
const MaxPeerPipeline = 1024

// Env is what the accepted connections of a node use of it. The node fills
// it once, calls Init, and only reads it afterwards.
type Env struct {
	Core    *core.Env
	Log     *slog.Logger
	Msgs    *msg.Pool
	Closing *atomic.Bool // the node shuts down

	// MaxPipeline bounds one client's pending requests; MaxUnsent its
	// reply bytes not written yet (past either the input pauses);
	// MaxPausedInput the input a paused client may send before it is
	// closed.
	MaxPipeline, MaxUnsent, MaxPausedInput int
	// Timeout is the request timeout (0: none); a lingering client's
	// writes wait at most this long (5 s without one).
	Timeout time.Duration

	// Memcache: clients speak memcached's text protocol; else Redis.
	Memcache bool
	MCLimits memcache.Limits

	// PeerKey is the pem_key_file key that unwraps a secured peer
	// connection's session key (nil: secure_server_option none, and an
	// encrypted frame closes the connection); Chunk is
	// dnode.MbufChunk(mbuf_size), the plaintext each encrypted chunk covers.
	PeerKey *dnode.RSAKey
	Chunk   int

	// Shard gives a new connection its stats shard (nil: stats off).
	Shard func() *stats.Shard
	// Families are the redis_req_* families of each command (nil: none).
	Families map[*resp.Command]tally.Families
	// Consistency gives the node's read and write levels, which a new
	// client starts with.
	Consistency func() (read, write replica.Level)
	// CodeReply is the client reply for a failure code.
	CodeReply func(replica.Code) []byte

	// Session is what the Redis clients' sessions share (engine/session):
	// nil for memcached, whose clients have no session.
	Session *session.Env

	// Dispatch sends a client's valid request on its way (forward, route
	// or answer it); frame is its bytes, valid until Dispatch returns. It
	// runs on c's input side and answers through c.Local, or c.Push then
	// c.Reply.
	Dispatch func(c *Conn, frame []byte)
	// Peer does the same for a peer's request of dnode type t
	// (DMSG_REQ or DMSG_REQ_FORWARD).
	Peer func(c *Conn, frame []byte, t dnode.Type)
	// Gossip, when set, receives the payload of each GOSSIP_SYN frame a
	// peer sends (valid until it returns); nil drops them.
	Gossip func(c *Conn, payload []byte)
	// Dedicated handles, like Dispatch, a client's request that needs or
	// has a dedicated datastore connection, and pub/sub commands.
	Dedicated func(c *Conn, frame []byte)
	// RESP3, when set, is called when a client switches to RESP3 (HELLO
	// 3), on its input side.
	RESP3 func()
	// Tunnel, when set, accepts a peer's client tunnel (tunnel.go): it
	// authenticates c, still a peer connection, as user (valid until it
	// returns) and returns nil, or the refusal to answer. It runs on c's
	// input side.
	Tunnel func(c *Conn, user []byte) []byte
	// Closed runs once when c is torn down, its resources released.
	Closed func(c *Conn)

	// Client and PeerIn are the node's two kinds of accepted connection,
	// made by Init.
	Client, PeerIn Kind

	parse  func(c *Conn, buf []byte) (int, parseResult)
	handle func(c *Conn, frame []byte)
	// peerRefuse is the reply to a peer's request that cannot run, nil
	// when it can.
	peerRefuse    func(c *Conn) []byte
	inputOverflow []byte // a client sends without reading its replies

	cmdQuit, cmdConsistency, cmdPing *resp.Command
	cmdReset, cmdClientReply         *resp.Command
}

// Kind is what an accepted connection is: a client's or a peer's. Made
// once per node (Env.Init).
type Kind struct {
	Name string
	// consume is the framer and handler of its input: it handles every
	// complete request at the front of buf and returns the bytes used.
	consume func(c *Conn, buf []byte) int
	// appendReply appends one reply, answering request id, to out.
	appendReply func(c *Conn, id uint64, reply []byte)
	// pipeline bounds the requests pending on one connection.
	pipeline int
	// Client: a client's connection (not a peer's): it counts for the
	// busy-poll, its requests are counted by class, it may linger after a
	// half-close, and a malformed request is answered before the close.
	Client bool
	// stats of the connection: gauge, closes, reply-queue depth.
	conns, eof, errs stats.Metric
	depth            stats.Hist
}

// Init completes e once its fields are set.
func (e *Env) Init() {
	e.parse, e.handle, e.peerRefuse = parseRESP, (*Conn).handle, peerRefuseRESP
	e.inputOverflow = resp.ReplyInputOverflow
	if e.Memcache {
		e.parse, e.handle, e.peerRefuse = parseMemcache, (*Conn).handleMemcache, peerRefuseMemcache
		e.inputOverflow = memcache.ReplyInputOverflow
	}
	e.cmdQuit = resp.Lookup([]byte("quit"))
	e.cmdConsistency = resp.Lookup([]byte("dyno_config:conn_consistency"))
	e.cmdPing = resp.Lookup([]byte("ping"))
	e.cmdReset = resp.Lookup([]byte("reset"))
	e.cmdClientReply = resp.LookupArgs([][]byte{[]byte("client"), []byte("reply")})
	e.Client = Kind{
		Name: "client", consume: (*Conn).consumeRequests, appendReply: (*Conn).appendPlain,
		pipeline: e.MaxPipeline, Client: true,
		conns: stats.ClientConnections, eof: stats.ClientEOF, errs: stats.ClientErr,
		depth: stats.ClientOutQueueDepth,
	}
	e.PeerIn = Kind{
		Name: "peer", consume: (*Conn).consumePeer, appendReply: (*Conn).appendPeerReply,
		pipeline: MaxPeerPipeline,
		conns:    stats.DnodeClientConnections, eof: stats.DnodeClientEOF, errs: stats.DnodeClientErr,
		depth: stats.DnodeClientOutQueueDepth,
	}
}

// NewConn wraps an accepted netpoll connection of kind k; the node sets
// its ID and Pin before its first input.
func NewConn(e *Env, k *Kind, nc netpoll.Connection) *Conn {
	c := &Conn{env: e, Kind: k}
	var shard *stats.Shard
	if e.Shard != nil {
		shard = e.Shard()
	}
	c.Init(e.Core, nc, shard)
	if nc != nil {
		c.addrs = nc
	}
	c.parser.Limits = resp.DefaultLimits
	c.mc.parser.Limits = e.MCLimits
	return c
}

// acquireLocal takes a msg for a local reply queued behind pending
// requests. It is not refused at max_msgs: the client's pipeline bound
// limits it.
func (e *Env) acquireLocal(c *Conn) *msg.Msg {
	e.Core.Inflight.Add(1)
	return e.Msgs.Acquire(c)
}

// release returns m, a msg counted in flight, to the pool.
func (e *Env) release(m *msg.Msg) {
	m.Release()
	e.Core.Inflight.Add(-1)
}
