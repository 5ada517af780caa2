package engine

import (
	"bufio"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// rawConn is a client that reads whole replies of any shape and depth
// (resp.ReplyScanner), for replies the test client does not parse.
type rawConn struct {
	t    *testing.T
	conn net.Conn
	rd   *bufio.Reader
	buf  []byte
}

func dialRawReplies(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, conn: c, rd: bufio.NewReader(c)}
}

// do sends args and returns the bytes of one whole reply.
func (c *rawConn) do(args ...string) string {
	c.t.Helper()
	var req []byte
	bs := make([][]byte, len(args))
	for i := range args {
		bs[i] = []byte(args[i])
	}
	req = resp.AppendCommand(req, bs...)
	_ = c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.conn.Write(req); err != nil {
		c.t.Fatalf("cannot send %q: %v", args[0], err)
	}
	return c.read()
}

func (c *rawConn) read() string {
	c.t.Helper()
	var sc resp.ReplyScanner
	sc.Limits.MaxBulk = 1 << 30
	c.buf = c.buf[:0]
	chunk := make([]byte, 64<<10)
	for i := 0; i < 1<<16; i++ {
		if len(c.buf) > 0 {
			n, err := sc.Scan(c.buf)
			if err == nil {
				out := string(c.buf[:n])
				if n != len(c.buf) {
					c.t.Fatalf("unexpected bytes after a reply: %q", c.buf[n:])
				}
				return out
			}
			if !errors.Is(err, resp.ErrIncomplete) {
				c.t.Fatalf("bad reply: %v", err)
			}
		}
		k, err := c.rd.Read(chunk)
		if err != nil {
			c.t.Fatalf("cannot read a reply (%d bytes so far): %v", len(c.buf), err)
		}
		c.buf = append(c.buf, chunk[:k]...)
	}
	c.t.Fatal("reply never complete")
	return ""
}

// TestRecursiveScriptReply: Redis's "Script return recursive object" (a
// Lua table that contains itself) returns a reply nested thousands of
// levels deep; it passes through the node byte for byte, and the datastore
// connection stays up.
func TestRecursiveScriptReply(t *testing.T) {
	n, r := proxy(t, nil)
	script := "local a = {}; local b = {a}; a[1] = b; return a"
	want := dialRawReplies(t, r.Addr).do("EVAL", script, "0")
	if !strings.HasPrefix(want, "*1\r\n*1\r\n") || strings.Count(want, "*1\r\n") < 100 {
		t.Fatalf("unexpected reply from redis-server itself: %.100q", want)
	}
	cur := n.links[0].Cur.Load()
	c := dialRawReplies(t, n.ClientAddr().String())
	for i := 0; i < 3; i++ {
		if got := c.do("EVAL", script, "0"); got != want {
			t.Fatalf("unexpected reply through the node; got %d bytes %.100q; want %d bytes", len(got), got, len(want))
		}
	}
	if got := c.do("PING"); got != "+PONG\r\n" {
		t.Fatalf("unexpected PING reply %q", got)
	}
	if n.links[0].Cur.Load() != cur {
		t.Fatal("the datastore connection was replaced")
	}
}

// TestReplyTooLarge: a datastore reply above the node's limit fails that
// one request with resp.ReplyTooLarge; the requests pipelined after it, on
// the same client and on others sharing the datastore connection, get
// their replies, and the datastore connection stays open.
func TestReplyTooLarge(t *testing.T) {
	r := enginetest.Redis(t)
	n := startNodeWith(t, testConfig(r.Addr), func(n *Node) { n.out.ReplyLimits = resp.Limits{MaxBulk: 64 << 10} })
	big := strings.Repeat("b", 100<<10)
	direct := dialRawReplies(t, r.Addr)
	if got := direct.do("SET", "big", big); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := direct.do("SET", "small", "s"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	cur := n.links[0].Cur.Load()
	c := dial(t, n)
	expect(t, c, string(resp.ReplyTooLarge), "GET", "big")
	expect(t, c, "$1\r\ns\r\n", "GET", "small")
	// Pipelined, between other requests, from two clients.
	d := dial(t, n)
	for round := 0; round < 20; round++ {
		for _, cl := range []*enginetest.Client{c, d} {
			_ = cl.Send("GET", "small")
			_ = cl.Send("GET", "big")
			_ = cl.Send("LRANGE", "nolist", "0", "-1")
			_ = cl.Send("GET", "small")
			if err := cl.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		for _, cl := range []*enginetest.Client{c, d} {
			for i, want := range []string{"$1\r\ns\r\n", string(resp.ReplyTooLarge), "*0\r\n", "$1\r\ns\r\n"} {
				rep, err := cl.Read()
				if err != nil || string(rep.Raw) != want {
					t.Fatalf("round %d, reply %d: got %v %v; want %q", round, i, rep, err, want)
				}
			}
		}
	}
	if n.links[0].Cur.Load() != cur {
		t.Fatal("the datastore connection was replaced")
	}
}
