package enginetest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Reader limits: larger announcements are reported as errors, not allocated.
const (
	maxReplyBulk  = 1 << 30
	maxReplyArray = 1 << 24
	maxReplyDepth = 64
	maxReplyLine  = 1 << 20
)

// Reply is one RESP2 reply.
type Reply struct {
	Type  byte     // '+' simple string, '-' error, ':' integer, '$' bulk, '*' array
	Raw   []byte   // the exact bytes of the reply, children included
	Str   []byte   // text of a simple string or error (without the type byte), or bulk content
	Int   int64    // integer value; for '$' and '*' the announced length
	Null  bool     // $-1 or *-1
	Elems []*Reply // array elements
}

// IsError reports whether the reply is an error reply.
func (r *Reply) IsError() bool { return r.Type == '-' }

// String renders the reply like redis-cli, for messages.
func (r *Reply) String() string {
	var b strings.Builder
	r.format(&b)
	return b.String()
}

func (r *Reply) format(b *strings.Builder) {
	switch {
	case r.Null:
		b.WriteString("(nil)")
	case r.Type == '+':
		b.Write(r.Str)
	case r.Type == '-':
		b.WriteString("(error) ")
		b.Write(r.Str)
	case r.Type == ':':
		fmt.Fprintf(b, "(integer) %d", r.Int)
	case r.Type == '$':
		if len(r.Str) > 64 {
			fmt.Fprintf(b, "%q...(%d bytes)", r.Str[:64], len(r.Str))
		} else {
			fmt.Fprintf(b, "%q", r.Str)
		}
	case r.Type == '*':
		b.WriteByte('[')
		for i, e := range r.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			if i == 16 {
				fmt.Fprintf(b, "...(%d elements)", len(r.Elems))
				break
			}
			e.format(b)
		}
		b.WriteByte(']')
	}
}

// AppendCommand appends args encoded as a RESP multibulk request to dst.
func AppendCommand(dst []byte, args ...[]byte) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// Args converts strings to byte slices for AppendCommand and SendBytes.
func Args(s ...string) [][]byte {
	b := make([][]byte, len(s))
	for i, a := range s {
		b[i] = []byte(a)
	}
	return b
}

// Client is a small RESP client for tests. Writes are buffered until Flush
// (Do flushes). It is not safe for concurrent use.
type Client struct {
	Conn net.Conn
	// Timeout, when non-zero, bounds each Flush and each Read.
	Timeout time.Duration

	r   *bufio.Reader
	w   *bufio.Writer
	buf []byte
}

// Dial connects to addr: a Unix socket when it starts with '/', TCP otherwise.
// The client's Timeout is set to 10 s.
func Dial(addr string) (*Client, error) {
	network := "tcp"
	if strings.HasPrefix(addr, "/") {
		network = "unix"
	}
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return NewClient(c), nil
}

// NewClient wraps an open connection.
func NewClient(conn net.Conn) *Client {
	return &Client{
		Conn:    conn,
		Timeout: 10 * time.Second,
		r:       bufio.NewReaderSize(conn, 64<<10),
		w:       bufio.NewWriterSize(conn, 64<<10),
	}
}

// Close closes the connection.
func (c *Client) Close() error { return c.Conn.Close() }

// Send buffers one command.
func (c *Client) Send(args ...string) error {
	c.buf = c.buf[:0]
	c.buf = append(c.buf, '*')
	c.buf = strconv.AppendInt(c.buf, int64(len(args)), 10)
	c.buf = append(c.buf, '\r', '\n')
	for _, a := range args {
		c.buf = append(c.buf, '$')
		c.buf = strconv.AppendInt(c.buf, int64(len(a)), 10)
		c.buf = append(c.buf, '\r', '\n')
		c.buf = append(c.buf, a...)
		c.buf = append(c.buf, '\r', '\n')
	}
	_, err := c.w.Write(c.buf)
	return err
}

// SendBytes buffers one command given as byte slices.
func (c *Client) SendBytes(args ...[]byte) error {
	c.buf = AppendCommand(c.buf[:0], args...)
	_, err := c.w.Write(c.buf)
	return err
}

// WriteRaw buffers raw bytes.
func (c *Client) WriteRaw(b []byte) error {
	_, err := c.w.Write(b)
	return err
}

// Flush sends the buffered bytes.
func (c *Client) Flush() error {
	if c.Timeout > 0 {
		c.Conn.SetWriteDeadline(time.Now().Add(c.Timeout))
	}
	return c.w.Flush()
}

// Do sends one command and reads its reply.
func (c *Client) Do(args ...string) (*Reply, error) {
	if err := c.Send(args...); err != nil {
		return nil, err
	}
	if err := c.Flush(); err != nil {
		return nil, err
	}
	return c.Read()
}

// Read reads one whole reply.
func (c *Client) Read() (*Reply, error) {
	if c.Timeout > 0 {
		c.Conn.SetReadDeadline(time.Now().Add(c.Timeout))
	}
	return ReadReply(c.r)
}

// node is a reply whose slices are offsets into the raw buffer until the
// whole reply has been read.
type node struct {
	typ            byte
	start, end     int
	strOff, strEnd int
	n              int64
	null           bool
	elems          []*node
}

// ReadReply reads one whole RESP2 reply from r.
func ReadReply(r *bufio.Reader) (*Reply, error) {
	var raw []byte
	n, err := readNode(r, &raw, 0)
	if err != nil {
		return nil, err
	}
	return n.resolve(raw), nil
}

func (n *node) resolve(raw []byte) *Reply {
	rep := &Reply{Type: n.typ, Raw: raw[n.start:n.end:n.end], Int: n.n, Null: n.null}
	if n.strEnd > n.strOff || n.typ == '$' || n.typ == '+' || n.typ == '-' {
		rep.Str = raw[n.strOff:n.strEnd:n.strEnd]
	}
	if n.typ == '*' && !n.null {
		rep.Elems = make([]*Reply, len(n.elems))
		for i, e := range n.elems {
			rep.Elems[i] = e.resolve(raw)
		}
	}
	return rep
}

func readLine(r *bufio.Reader, raw *[]byte) ([]byte, error) {
	start := len(*raw)
	for {
		b, err := r.ReadSlice('\n')
		*raw = append(*raw, b...)
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			if err == io.EOF && len(*raw) > start {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if len(*raw)-start > maxReplyLine {
			return nil, errors.New("enginetest: reply line too long")
		}
	}
	line := (*raw)[start:]
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("enginetest: malformed reply line %q", line)
	}
	return line[:len(line)-2], nil
}

func readNode(r *bufio.Reader, raw *[]byte, depth int) (*node, error) {
	if depth > maxReplyDepth {
		return nil, errors.New("enginetest: reply nested too deeply")
	}
	start := len(*raw)
	line, err := readLine(r, raw)
	if err != nil {
		return nil, err
	}
	n := &node{typ: line[0], start: start, strOff: start + 1, strEnd: start + len(line)}
	switch n.typ {
	case '+', '-':
	case ':':
		if n.n, err = strconv.ParseInt(string(line[1:]), 10, 64); err != nil {
			return nil, fmt.Errorf("enginetest: bad integer reply %q", line)
		}
		n.strOff, n.strEnd = 0, 0
	case '$':
		n.strOff, n.strEnd = 0, 0
		if n.n, err = strconv.ParseInt(string(line[1:]), 10, 64); err != nil || n.n < -1 || n.n > maxReplyBulk {
			return nil, fmt.Errorf("enginetest: bad bulk length %q", line)
		}
		if n.n == -1 {
			n.null = true
			break
		}
		off := len(*raw)
		need := int(n.n) + 2
		*raw = append(*raw, make([]byte, need)...)
		if _, err := io.ReadFull(r, (*raw)[off:]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if !bytes.Equal((*raw)[off+need-2:], []byte("\r\n")) {
			return nil, fmt.Errorf("enginetest: bulk of %d bytes not followed by CRLF", n.n)
		}
		n.strOff, n.strEnd = off, off+need-2
	case '*':
		n.strOff, n.strEnd = 0, 0
		if n.n, err = strconv.ParseInt(string(line[1:]), 10, 64); err != nil || n.n < -1 || n.n > maxReplyArray {
			return nil, fmt.Errorf("enginetest: bad array length %q", line)
		}
		if n.n == -1 {
			n.null = true
			break
		}
		n.elems = make([]*node, n.n)
		for i := range n.elems {
			if n.elems[i], err = readNode(r, raw, depth+1); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("enginetest: unexpected reply type byte %q", line[0])
	}
	n.end = len(*raw)
	return n, nil
}
