package engine

import (
	"sync"
	"time"

	"github.com/cloudwego/netpoll"
	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/sock"
	"github.com/dynomite-go/dynomite/engine/stats"
	"github.com/dynomite-go/dynomite/replica"
)

// Connections by direction.
//
// Every connection has a socket core (sockCore): the descriptor, the input
// carried between reads, the output buffer and who writes it, the close
// gate, the stats and the batch of its callbacks. On top of it:
//
//   - accepted: a connection a listener accepted, a client's or a peer's
//     (dyn_listen). Input is requests, output is replies in request order,
//     flushed once per batch (accepted.go, accepted_out.go).
//   - dialled: a connection the node dialled, to its datastore or to a
//     peer. Input is replies matched to a FIFO of requests, output is the
//     requests of every client, written once per batch (dialled.go).
//
// What a connection does with its bytes is its kind, data chosen when it is
// made (inKind, outKind: its framer and its handler), never a switch on a
// role. A dialled connection dedicated to one client (for MULTI, pub/sub
// or blocking commands) is one more use of dialled: see docs/engine.md.
//
// Locks, always taken in this order and never the other way: an accepted
// connection's inMu, then mu or wmu of any connection. mu is never held
// while taking another connection's mu, and never held across a call to
// netpoll's Close (whose close callback takes it).

// sockCore is the part every connection has.
type sockCore struct {
	node *Node
	nc   netpoll.Connection
	fd   int
	// poller is the epoll instance the busy-poll looks at (spin.go): 0
	// until the first look finds it.
	poller sock.Poller

	// carry holds the bytes of frames not consumed yet; input side only.
	carry *bytebufferpool.ByteBuffer

	// Output side, guarded by mu.
	mu       sync.Mutex
	out      *bytebufferpool.ByteBuffer // bytes not handed to the socket yet
	held     int                        // bytes held by a goroutine blocked in a write
	flushing bool                       // a goroutine owns the socket's writes
	closed   bool
	// wmu is held across every write to the socket that does not run
	// under mu; the close callback takes it, so the descriptor cannot be
	// closed (and reused) under a write, nor netpoll's output buffer
	// recycled under a blocked write.
	wmu sync.Mutex
	// gate guards the descriptor against shutdown after close (closing.go).
	gate sock.Gate

	st connStats // stats bookkeeping (stats_hooks.go)

	// b is the end-of-callback work of this connection's callbacks
	// (package engine/batch): an accepted connection's input (under inMu), a dialled
	// connection's reads and close (its poller).
	b batch.Batch
}

func (c *sockCore) init(n *Node, nc netpoll.Connection) {
	c.node, c.nc, c.fd = n, nc, nc.(netpoll.Conn).Fd()
	c.st.shard = n.statsShard()
}

// accepted is a connection accepted by a listener: a client's, or a
// peer's on dyn_listen. See doc.go for the life of a request.
type accepted struct {
	sockCore
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

// dialled is a connection the node dialled: to its datastore or to a peer.
type dialled struct {
	sockCore
	kind *outKind

	scanner resp.ReplyScanner
	mc      mcOut // memcached reply state (memcache.go)
	dparser dnode.Parser
	hdr     dnode.Header
	timerAt int64 // a peer's: when the armed timer fires (node clock)

	server // request queue and writer, guarded by mu
}

// outKind is what a dialled connection is: to the datastore or to a peer.
type outKind struct {
	name string // in logs: "datastore" or "peer"
	// onInput is the framer and matcher of its replies.
	onInput func(s *dialled, b []byte)
	// peer: requests are framed in dnode headers, replies matched by id,
	// deadlines set when queued, and the queue is bounded.
	peer bool
	// failCode fails the requests on the connection when it closes.
	failCode replica.Code
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
	n.kinds.datastore = outKind{name: "datastore", onInput: (*dialled).onServerInput, failCode: replica.StorageRefused}
	n.kinds.peerOut = outKind{name: "peer", onInput: (*dialled).onPeerReplies, peer: true, failCode: replica.PeerRefused}
}

// nodeKinds are a node's connection kinds.
type nodeKinds struct {
	client, peerIn     inKind
	datastore, peerOut outKind
}

// newAccepted wraps an accepted netpoll connection of kind k.
func newAccepted(n *Node, k *inKind, nc netpoll.Connection) *accepted {
	c := &accepted{kind: k}
	c.init(n, nc)
	c.parser.Limits = resp.DefaultLimits
	c.mc.parser.Limits = n.proto.mcLimits
	return c
}

// newDialled wraps a dialled netpoll connection of kind k.
func newDialled(n *Node, k *outKind, nc netpoll.Connection) *dialled {
	s := &dialled{kind: k}
	s.init(n, nc)
	s.scanner.Limits = resp.DefaultLimits
	s.mc.scanner.Limits = n.proto.mcLimits
	return s
}

// appendOut appends b to the output buffer. Callers hold mu.
func (c *sockCore) appendOut(b []byte) {
	if c.out == nil {
		c.out = c.node.bufs.Get()
	}
	c.out.B = append(c.out.B, b...)
}

// unsent is the number of output bytes not yet accepted by the socket.
// Callers hold mu.
func (c *sockCore) unsent() int {
	n := c.held
	if c.out != nil {
		n += len(c.out.B)
	}
	return n
}

// takeOut detaches the output buffer. Callers hold mu.
func (c *sockCore) takeOut() *bytebufferpool.ByteBuffer {
	b := c.out
	c.out = nil
	return b
}

// blockingWrite hands b to netpoll and waits until the socket took all of
// it. It runs on a goroutine of its own (never on a poller): netpoll's Flush
// waits for the poller to drain what the socket did not take at once. b must
// not be reused when an error is returned (netpoll may still refer to it).
func (c *sockCore) blockingWrite(b []byte) error {
	w := c.nc.Writer()
	if _, err := w.WriteBinary(b); err != nil {
		return err
	}
	return w.Flush()
}

// clock is the node's clock: monotonic nanoseconds since the node was
// built, plus one so that 0 can mean "not read". Deadlines and the stats
// read it once per batch, never per request.
func (n *Node) clock() int64 { return int64(time.Since(n.epoch)) + 1 }
