package core

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudwego/netpoll"
	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/bufpool"
	"github.com/dynomite-go/dynomite/engine/sock"
	"github.com/dynomite-go/dynomite/engine/stats"
)

// Env is what a socket core uses of its node. Its fields are set once,
// before the first connection, and only read afterwards (the counters of
// Spin and Park excepted).
type Env struct {
	// Bufs is the node's buffer pool (carry and output buffers).
	Bufs *bufpool.Pool
	// Epoch is the origin of Clock: a monotonic reading, so that deadlines
	// and latencies ignore changes of the wall clock.
	Epoch time.Time
	// Inflight counts the msgs alive in the node (the busy-poll reads it).
	Inflight *atomic.Int64
	// Spin is the node's busy-poll policy (spin.go).
	Spin Spin
	// Park is the node's parking policy (park.go).
	Park Park
}

// Clock is the node's clock: monotonic nanoseconds since Epoch, plus one
// so that 0 can mean "not read". Deadlines and the stats read it once per
// batch, never per request.
func (e *Env) Clock() int64 { return int64(time.Since(e.Epoch)) + 1 }

// Sock is the part every connection has.
type Sock struct {
	env *Env
	NC  netpoll.Connection
	// FD is the descriptor written to; a lingering client's duplicate
	// replaces netpoll's.
	FD int
	// Sealer, when set, encrypts the output before it is written (a TLS
	// client's); nil for a plain connection.
	Sealer Sealer
	// poller is the epoll instance the busy-poll looks at (spin.go): 0
	// until the first look finds it.
	poller sock.Poller

	// Carry holds the bytes of frames not consumed yet; input side only.
	Carry *bytebufferpool.ByteBuffer

	// Output side, guarded by Mu.
	Mu       sync.Mutex
	Out      *bytebufferpool.ByteBuffer // bytes not handed to the socket yet
	Held     int                        // bytes held by a goroutine blocked in a write
	Flushing bool                       // a goroutine owns the socket's writes
	Closed   bool
	// WMu is held across every write to the socket that does not run
	// under Mu; the close callback takes it, so the descriptor cannot be
	// closed (and reused) under a write, nor netpoll's output buffer
	// recycled under a blocked write.
	WMu sync.Mutex
	// gate guards the descriptor against shutdown after close (closing.go).
	gate sock.Gate

	St Stats // stats bookkeeping (stats.go)

	// B is the end-of-callback work of this connection's callbacks
	// (package engine/batch): an accepted connection's input (under its
	// input lock), a dialled connection's reads and close (its poller).
	B batch.Batch
}

// Init sets c up for netpoll connection nc of a node with environment env;
// shard is its stats shard (nil with stats off).
func (c *Sock) Init(env *Env, nc netpoll.Connection, shard *stats.Shard) {
	c.env, c.NC, c.FD = env, nc, nc.(netpoll.Conn).Fd()
	c.St.Shard = shard
}

// Sealer encrypts a connection's output (a TLS client's:
// engine/secure.Polled). Its calls are serialized by the connection (Mu).
type Sealer interface {
	// Seal appends the records of src to dst and returns the result,
	// which may use another backing array than dst's (dst's may be kept).
	Seal(dst, src []byte) ([]byte, error)
}

// SealOut replaces the output buffer's plaintext with its records, when
// c has a Sealer. Callers hold Mu; Out is not empty.
func (c *Sock) SealOut() error {
	enc := c.env.Bufs.Get()
	var err error
	enc.B, err = c.Sealer.Seal(enc.B[:0], c.Out.B)
	c.env.Bufs.Put(c.Out)
	c.Out = enc
	return err
}

// Env is the environment c was set up with.
func (c *Sock) Env() *Env { return c.env }

// AppendOut appends b to the output buffer. Callers hold Mu.
func (c *Sock) AppendOut(b []byte) {
	if c.Out == nil {
		c.Out = c.env.Bufs.Get()
	}
	c.Out.B = append(c.Out.B, b...)
}

// Unsent is the number of output bytes not yet accepted by the socket.
// Callers hold Mu.
func (c *Sock) Unsent() int {
	n := c.Held
	if c.Out != nil {
		n += len(c.Out.B)
	}
	return n
}

// TakeOut detaches the output buffer. Callers hold Mu.
func (c *Sock) TakeOut() *bytebufferpool.ByteBuffer {
	b := c.Out
	c.Out = nil
	return b
}

// BlockingWrite hands b to netpoll and waits until the socket took all of
// it. It runs on a goroutine of its own (never on a poller): netpoll's Flush
// waits for the poller to drain what the socket did not take at once. b must
// not be reused when an error is returned (netpoll may still refer to it).
func (c *Sock) BlockingWrite(b []byte) error {
	w := c.NC.Writer()
	if _, err := w.WriteBinary(b); err != nil {
		return err
	}
	return w.Flush()
}

// IsClosed reports whether the connection was closed.
func (c *Sock) IsClosed() bool {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	return c.Closed
}

// JoinCarry returns the input to consume: b alone, or b appended to the
// bytes carried from the last read (fromCarry). Input side only.
func (c *Sock) JoinCarry(b []byte) (buf []byte, fromCarry bool) {
	if c.Carry != nil && len(c.Carry.B) > 0 {
		c.Carry.B = append(c.Carry.B, b...)
		return c.Carry.B, true
	}
	return b, false
}

// KeepTail keeps buf[off:] in Carry for the next call.
func (c *Sock) KeepTail(buf []byte, off int, fromCarry bool) {
	rest := len(buf) - off
	switch {
	case fromCarry && rest == 0:
		c.env.Bufs.Put(c.Carry)
		c.Carry = nil
	case fromCarry:
		if off > 0 {
			c.Carry.B = c.Carry.B[:copy(c.Carry.B, buf[off:])]
		}
	case rest > 0:
		if c.Carry == nil {
			c.Carry = c.env.Bufs.Get()
		}
		c.Carry.B = append(c.Carry.B[:0], buf[off:]...)
	}
}

// DropCarry returns the carried input to the pool. Input side only.
func (c *Sock) DropCarry() {
	c.env.Bufs.Put(c.Carry)
	c.Carry = nil
}
