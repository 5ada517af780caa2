package engine

import (
	"sync"
	"syscall"
	"time"

	"github.com/cloudwego/netpoll"
	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// role says which side of the proxy a connection is on. Client and server
// connections share the conn type, its input carry and its output path;
// the role picks the framing (requests or replies) and the flush policy.
type role uint8

const (
	// roleClient: accepted from a client. Input is requests, output is
	// replies, flushed inline once per batch of replies (never blocking).
	roleClient role = iota + 1
	// roleServer: dialled to the datastore. Input is replies, output is
	// requests of all clients, written in one send per batch from a poller
	// (server.go, writerState).
	roleServer
)

// conn is one connection of either role. See doc.go for the life of a
// request across a client and a server conn.
//
// Locks, always taken in this order and never the other way: inMu, then mu
// or wmu of any conn. mu is never held while taking another conn's mu, and
// never held across a call to netpoll's Close (whose close callback takes it).
type conn struct {
	node *Node
	role role
	nc   netpoll.Connection
	fd   int
	sp   spinConn // the busy-poll's state (spin_linux.go)

	// Input side. Used by the goroutine that holds inMu: the poller running
	// OnRequest, or (client role) a resume after a pause.
	inMu    sync.Mutex
	carry   *bytebufferpool.ByteBuffer // bytes of frames not consumed yet
	parser  resp.Parser                // client role
	req     resp.Request               // client role
	scanner resp.ReplyScanner          // server role
	mc      mcState                    // memcached protocol state (memcache.go)

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
	gate fdGate
	// drain keeps a half-closed client's socket for its replies (halfclose.go).
	drain drainState

	client // role-specific state, guarded by mu
	server
	peerState // cluster roles and routing scratch (peer.go)

	st connStats // stats bookkeeping (stats_hooks.go)

	// b is the end-of-callback work of this connection's callbacks
	// (batch.go): a client's input (under inMu), a dialled connection's
	// reads and close (its poller).
	b batch
}

// newConn wraps a netpoll connection.
func newConn(n *Node, r role, nc netpoll.Connection) *conn {
	c := &conn{node: n, role: r, nc: nc, fd: nc.(netpoll.Conn).Fd()}
	limits := resp.DefaultLimits
	c.parser.Limits = limits
	c.scanner.Limits = limits
	c.mc.parser.Limits, c.mc.scanner.Limits = n.proto.mcLimits, n.proto.mcLimits
	c.st.shard = n.statsShard()
	return c
}

// appendOut appends b to the output buffer. Callers hold mu.
func (c *conn) appendOut(b []byte) {
	if c.out == nil {
		c.out = c.node.bufs.get()
	}
	c.out.B = append(c.out.B, b...)
}

// unsent is the number of output bytes not yet accepted by the socket.
// Callers hold mu.
func (c *conn) unsent() int {
	n := c.held
	if c.out != nil {
		n += len(c.out.B)
	}
	return n
}

// takeOut detaches the output buffer. Callers hold mu.
func (c *conn) takeOut() *bytebufferpool.ByteBuffer {
	if c.mc.batch.Open() {
		c.closeGetBatch()
	}
	b := c.out
	c.out = nil
	return b
}

// writeSome makes one non-blocking write of b to fd and returns how much
// the socket took. A full socket is not an error.
func writeSome(fd int, b []byte) (int, error) {
	for {
		n, err := syscall.Write(fd, b)
		switch err {
		case nil:
			return n, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, nil
		default:
			return 0, err
		}
	}
}

// blockingWrite hands b to netpoll and waits until the socket took all of
// it. It runs on a goroutine of its own (never on a poller): netpoll's Flush
// waits for the poller to drain what the socket did not take at once. b must
// not be reused when an error is returned (netpoll may still refer to it).
func (c *conn) blockingWrite(b []byte) error {
	if c.drain.on.Load() {
		return c.drainWrite(b)
	}
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
