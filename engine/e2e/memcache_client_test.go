package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

// mcConn is a small memcached text-protocol client. It frames replies on its
// own (not with codec/memcache), so it can judge a node built on that codec.
// Writes are buffered until a reply is read or flush is called.
type mcConn struct {
	conn    net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	timeout time.Duration
}

// mcItem is one VALUE block of a get or gets reply.
type mcItem struct {
	key, flags, cas string
	value           []byte
}

// mcReply is one whole reply: a single line, or VALUE blocks and END (or
// an error line) for get/gets.
type mcReply struct {
	raw   []byte   // the exact bytes
	items []mcItem // VALUE blocks, for get/gets
}

// norm returns the reply with the cas unique numbers of VALUE lines removed
// (two memcached servers number their items differently) and the spaces
// after a decremented number trimmed (memcached pads the number to the old
// length when it updates the item in place, which depends on whether the
// item is being read by another connection at that moment).
func (r mcReply) norm() string {
	if len(r.items) == 0 {
		return string(r.raw)
	}
	var b bytes.Buffer
	for _, it := range r.items {
		v := it.value
		if t := bytes.TrimRight(v, " "); len(t) > 0 && len(t) < len(v) && bytes.Trim(t, "0123456789") == nil {
			v = t
		}
		fmt.Fprintf(&b, "VALUE %s %s %d\r\n%s\r\n", it.key, it.flags, len(v), v)
	}
	// The final line (END or an error) follows the last block.
	if i := bytes.LastIndex(r.raw[:len(r.raw)-2], []byte("\r\n")); i >= 0 {
		b.Write(r.raw[i+2:])
	}
	return b.String()
}

func tryDialMC(addr string) (*mcConn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &mcConn{conn: c, r: bufio.NewReaderSize(c, 64<<10), w: bufio.NewWriterSize(c, 64<<10), timeout: 10 * time.Second}, nil
}

// dialMC connects to addr and closes the connection in Cleanup.
func dialMC(t *testing.T, addr string) *mcConn {
	t.Helper()
	c, err := tryDialMC(addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(c.close)
	return c
}

func (c *mcConn) close() { c.conn.Close() }

func (c *mcConn) send(b []byte) { c.w.Write(b) }

func (c *mcConn) flush() error {
	c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.w.Flush()
}

func (c *mcConn) line() ([]byte, error) {
	c.conn.SetReadDeadline(time.Now().Add(c.timeout))
	l, err := c.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		var long []byte
		long = append(long, l...)
		for err == bufio.ErrBufferFull {
			l, err = c.r.ReadSlice('\n')
			long = append(long, l...)
			if len(long) > 1<<20 {
				return nil, fmt.Errorf("reply line over 1 MiB: %q...", long[:64])
			}
		}
		l = long
	}
	if err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(l, []byte("\r\n")) {
		return nil, fmt.Errorf("reply line not ended by CRLF: %q", l)
	}
	return append([]byte(nil), l...), nil
}

// reply flushes pending writes and reads one reply; retrieval says whether
// it answers get/gets (VALUE blocks until END).
func (c *mcConn) reply(retrieval bool) (mcReply, error) {
	if c.w.Buffered() > 0 {
		if err := c.flush(); err != nil {
			return mcReply{}, err
		}
	}
	return c.readReply(retrieval)
}

// readReply reads one reply without flushing, so another goroutine may be
// writing meanwhile.
func (c *mcConn) readReply(retrieval bool) (mcReply, error) {
	var r mcReply
	for {
		l, err := c.line()
		if err != nil {
			return r, fmt.Errorf("after %q: %w", trunc(r.raw), err)
		}
		r.raw = append(r.raw, l...)
		if !retrieval || !bytes.HasPrefix(l, []byte("VALUE ")) {
			return r, nil
		}
		f := bytes.Fields(l)
		if len(f) != 4 && len(f) != 5 {
			return r, fmt.Errorf("malformed VALUE line %q", l)
		}
		n, err := strconv.Atoi(string(f[3]))
		if err != nil || n < 0 {
			return r, fmt.Errorf("malformed VALUE line %q", l)
		}
		data := make([]byte, n+2)
		c.conn.SetReadDeadline(time.Now().Add(c.timeout))
		if _, err := io.ReadFull(c.r, data); err != nil {
			return r, fmt.Errorf("value of %q: %w", l, err)
		}
		if !bytes.HasSuffix(data, []byte("\r\n")) {
			return r, fmt.Errorf("value of %q not followed by CRLF", l)
		}
		r.raw = append(r.raw, data...)
		it := mcItem{key: string(f[1]), flags: string(f[2]), value: data[:n]}
		if len(f) == 5 {
			it.cas = string(f[4])
		}
		r.items = append(r.items, it)
	}
}

// getOne returns key's item, or nil when it is absent.
func (c *mcConn) getOne(key string) (*mcItem, error) {
	c.send([]byte("get " + key + "\r\n"))
	r, err := c.reply(true)
	if err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(r.raw, []byte("END\r\n")) {
		return nil, fmt.Errorf("get %s: unexpected reply %q", key, trunc(r.raw))
	}
	if len(r.items) == 0 {
		return nil, nil
	}
	if len(r.items) != 1 || r.items[0].key != key {
		return nil, fmt.Errorf("get %s: unexpected reply %q", key, trunc(r.raw))
	}
	return &r.items[0], nil
}

// do sends one command line (and data block, if any) and reads its reply.
func (c *mcConn) do(cmd string) (mcReply, error) {
	c.send([]byte(cmd))
	retrieval := bytes.HasPrefix([]byte(cmd), []byte("get ")) || bytes.HasPrefix([]byte(cmd), []byte("gets "))
	return c.reply(retrieval)
}

// expectClosed reads until EOF and fails unless the peer closed the
// connection within d without sending anything.
func (c *mcConn) expectClosed(d time.Duration) error {
	if err := c.flush(); err != nil {
		return err
	}
	c.conn.SetReadDeadline(time.Now().Add(d))
	b, err := io.ReadAll(c.r)
	if len(b) > 0 {
		return fmt.Errorf("got %q before the close; want nothing", trunc(b))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("connection still open after %v", d)
	}
	return nil
}
