package engine

import (
	"sync"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/stats"
)

// Connections by direction.
//
// Every connection has a socket core (core.Sock, package engine/core): the descriptor, the input
// carried between reads, the output buffer and who writes it, the close
// gate, the stats and the batch of its callbacks. On top of it:
//
//   - accepted: a connection a listener accepted, a client's or a peer's
//     (dyn_listen). Input is requests, output is replies in request order,
//     flushed once per batch (accepted.go, accepted_out.go).
//   - outbound.Conn: a connection the node dialled, to its datastore or to a
//     peer. Input is replies matched to a FIFO of requests, output is the
//     requests of every client, written once per batch (engine/outbound).
//
// What a connection does with its bytes is its kind, data chosen when it is
// made (inKind, outbound.Kind: its framer and its handler), never a switch on a
// role. A dialled connection dedicated to one client (for MULTI, pub/sub
// or blocking commands) is one more use of dialled: see docs/engine.md.
//
// Locks, always taken in this order and never the other way: an accepted
// connection's inMu, then mu or wmu of any connection. mu is never held
// while taking another connection's mu, and never held across a call to
// netpoll's Close (whose close callback takes it).

// accepted is a connection accepted by a listener: a client's, or a
// peer's on dyn_listen. See doc.go for the life of a request.
type accepted struct {
	core.Sock
	node *Node
	kind *inKind

	// Input side. Used by the goroutine that holds inMu: the poller running
	// OnRequest, or a resume after a pause.
	inMu   sync.Mutex
	parser resp.Parser
	req    resp.Request
	mc     mcIn // memcached request state (memcache.go)
	peerIn      // dnode framing of a peer's requests (dnode.go)
	scratchRoute

	// linger keeps a half-closed client's socket for its replies (halfclose.go).
	linger lingerState

	client // reply queue and flow control, guarded by mu
}

// inKind is what an accepted connection is: a client's or a peer's. Built
// once per node (newKinds).
type inKind struct {
	name string
	// consume is the framer and handler of its input: it handles every
	// complete request at the front of buf and returns the bytes used.
	consume func(c *accepted, buf []byte) int
	// appendReply appends one reply, answering request id, to out.
	appendReply func(c *accepted, id uint64, reply []byte)
	// pipeline bounds the requests pending on one connection.
	pipeline int
	// client: a client's connection (not a peer's): it counts for the
	// busy-poll, its requests are counted by class, it may linger after a
	// half-close, and a malformed request is answered before the close.
	client bool
	// stats of the connection: gauge, closes, reply-queue depth.
	conns, eof, errs stats.Metric
	depth            stats.Hist
}

// newKinds builds the node's connection kinds.
func (n *Node) newKinds() {
	n.kinds.client = inKind{
		name: "client", consume: (*accepted).consumeRequests, appendReply: (*accepted).appendPlain,
		pipeline: n.maxPipeline, client: true,
		conns: stats.ClientConnections, eof: stats.ClientEOF, errs: stats.ClientErr,
		depth: stats.ClientOutQueueDepth,
	}
	n.kinds.peerIn = inKind{
		name: "peer", consume: (*accepted).consumePeer, appendReply: (*accepted).appendPeerReply,
		pipeline: maxPeerPipeline,
		conns:    stats.DnodeClientConnections, eof: stats.DnodeClientEOF, errs: stats.DnodeClientErr,
		depth: stats.DnodeClientOutQueueDepth,
	}
}

// nodeKinds are a node's connection kinds.
type nodeKinds struct {
	client, peerIn inKind
}

// newAccepted wraps an accepted netpoll connection of kind k.
func newAccepted(n *Node, k *inKind, nc netpoll.Connection) *accepted {
	c := &accepted{kind: k, node: n}
	c.Init(&n.env, nc, n.statsShard())
	c.parser.Limits = resp.DefaultLimits
	c.mc.parser.Limits = n.proto.mcLimits
	return c
}

// clock is the node's clock: monotonic nanoseconds since the node was
// built, plus one so that 0 can mean "not read". Deadlines and the stats
// read it once per batch, never per request.
func (n *Node) clock() int64 { return n.env.Clock() }
