package replay

import (
	"fmt"
	"io"
	"net"
	"time"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
)

// DefaultMaxReply bounds one reply read by a Conn: Redis's largest string
// (512 MiB) plus framing.
const DefaultMaxReply = 512<<20 + 64

// Conn is a blocking client over a net.Conn for background work: Queue
// requests, Send them with one write, then read one reply per request in
// order (a pipeline): Reply for Redis, MemcacheReply for memcached. It is
// owned by one goroutine.
type Conn struct {
	nc      net.Conn
	Timeout time.Duration // bound of each Send and of the wait for each Reply; 0: none
	Max     int           // largest reply accepted; 0: DefaultMaxReply

	out        []byte
	in         []byte
	start, end int // unread input is in[start:end]
	sc         resp.ReplyScanner
	mc         memcache.ReplyScanner
}

// Dial connects to a Redis or memcached at addr (host:port or a Unix socket path
// starting with '/').
func Dial(addr string, timeout time.Duration) (*Conn, error) {
	network := "tcp"
	if len(addr) > 0 && addr[0] == '/' {
		network = "unix"
	}
	nc, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("cannot dial %s: %w", addr, err)
	}
	return NewConn(nc, timeout), nil
}

// NewConn wraps an open connection; the Conn owns it from now on.
func NewConn(nc net.Conn, timeout time.Duration) *Conn {
	c := &Conn{nc: nc, Timeout: timeout, in: make([]byte, 64<<10)}
	c.sc.Limits.MaxBulk = 512 << 20
	c.sc.Limits.MaxDepth = 64
	return c
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// Queue appends one request to the pipeline; nothing is sent yet.
func (c *Conn) Queue(args ...[]byte) { c.out = resp.AppendCommand(c.out, args...) }

// QueueRaw appends bytes that are already a RESP request.
func (c *Conn) QueueRaw(b []byte) { c.out = append(c.out, b...) }

// Send writes every queued request.
func (c *Conn) Send() error {
	if len(c.out) == 0 {
		return nil
	}
	c.deadline()
	_, err := c.nc.Write(c.out)
	c.out = c.out[:0]
	if err != nil {
		return fmt.Errorf("cannot send to %s: %w", c.nc.RemoteAddr(), err)
	}
	return nil
}

func (c *Conn) deadline() {
	if c.Timeout > 0 {
		c.nc.SetDeadline(time.Now().Add(c.Timeout))
	}
}

// Reply reads the next complete reply, of any RESP type. The returned
// bytes are a view valid until the next call to Reply or Do.
func (c *Conn) Reply() ([]byte, error) {
	return c.next(func(b []byte) (int, bool, error) {
		n, err := c.sc.Scan(b)
		if err == resp.ErrIncomplete {
			return 0, true, nil
		}
		return n, false, err
	})
}

// next reads until scan finds a complete reply at the start of the unread
// input (scan reports need-more as its bool) and returns it.
func (c *Conn) next(scan func([]byte) (int, bool, error)) ([]byte, error) {
	max := c.Max
	if max <= 0 {
		max = DefaultMaxReply
	}
	for {
		if c.end > c.start {
			n, more, err := scan(c.in[c.start:c.end])
			if err != nil {
				return nil, fmt.Errorf("cannot read reply from %s: %w", c.nc.RemoteAddr(), err)
			}
			if !more {
				r := c.in[c.start : c.start+n : c.start+n]
				c.start += n
				return r, nil
			}
		}
		c.deadline() // only when the socket is read: a buffered reply costs no timer
		if err := c.fill(max); err != nil {
			return nil, err
		}
	}
}

// fill reads more input, first making room: unread bytes move to the
// front, and the buffer doubles (up to max) when they fill it.
func (c *Conn) fill(max int) error {
	if c.start > 0 {
		c.end = copy(c.in, c.in[c.start:c.end])
		c.start = 0
		c.sc.Reset() // its positions were relative to the old start
		c.mc.Reset()
	}
	if c.end == len(c.in) {
		if len(c.in) >= max {
			return fmt.Errorf("cannot read reply from %s: %w", c.nc.RemoteAddr(), ErrTooLarge)
		}
		grown := make([]byte, min(2*len(c.in), max))
		copy(grown, c.in[:c.end])
		c.in = grown
	}
	n, err := c.nc.Read(c.in[c.end:])
	c.end += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return fmt.Errorf("cannot read reply from %s: %w", c.nc.RemoteAddr(), err)
}

// Do sends one request and returns its reply (a view, as Reply's).
func (c *Conn) Do(args ...[]byte) ([]byte, error) {
	c.Queue(args...)
	if err := c.Send(); err != nil {
		return nil, err
	}
	return c.Reply()
}
