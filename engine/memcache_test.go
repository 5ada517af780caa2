package engine

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// mcProxy starts a memcached and a node in front of it (data_store 1);
// prep, when not nil, adjusts the node before it starts.
func mcProxy(t testing.TB, prep func(*Node)) (*Node, *enginetest.Proc) {
	t.Helper()
	mc := enginetest.Memcached(t)
	cfg := testConfig(mc.Addr)
	cfg.Pool.DataStore = 1
	n := startNodeWith(t, cfg, prep)
	return n, mc
}

// mcClient is a raw memcached text client for these tests.
type mcClient struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

func dialMemcache(t testing.TB, addr string) *mcClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("cannot dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &mcClient{t: t, conn: c, r: bufio.NewReaderSize(c, 1<<16)}
}

func (c *mcClient) send(s string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("cannot send %.40q: %v", s, err)
	}
}

// line reads one reply line, "\r\n" included.
func (c *mcClient) line() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("cannot read a reply line (got %q): %v", l, err)
	}
	return l
}

// retrieval reads VALUE blocks up to END (or an error line) and returns
// the whole reply.
func (c *mcClient) retrieval() string {
	c.t.Helper()
	var b strings.Builder
	for {
		l := c.line()
		b.WriteString(l)
		if !strings.HasPrefix(l, "VALUE ") {
			return b.String()
		}
		f := strings.Fields(l)
		var n int
		fmt.Sscan(f[3], &n)
		data := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, data); err != nil {
			c.t.Fatalf("cannot read a value: %v", err)
		}
		b.Write(data)
	}
}

// expect sends req and checks the reply (a retrieval when req is one).
func (c *mcClient) expect(req, want string) {
	c.t.Helper()
	c.send(req)
	var got string
	if strings.HasPrefix(req, "get") || strings.HasPrefix(req, "gat") {
		got = c.retrieval()
	} else {
		got = c.line()
	}
	if got != want {
		c.t.Fatalf("unexpected reply to %.60q; got %.200q; want %.200q", req, got, want)
	}
}

// expectClosed checks that the node closes the connection with nothing
// more to read.
func (c *mcClient) expectClosed() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c.r)
	if err != nil || len(b) > 0 {
		c.t.Fatalf("unexpected end of connection; got %q, %v; want a close and nothing", b, err)
	}
}

// TestMemcacheRoundTrip: storage, retrieval, arithmetic and delete, and a
// get of 100 keys (some missing) answered in key order with one END.
func TestMemcacheRoundTrip(t *testing.T) {
	n, _ := mcProxy(t, nil)
	c := dialMemcache(t, n.ClientAddr().String())
	c.expect("set a 5 0 3\r\nabc\r\n", "STORED\r\n")
	c.expect("get a\r\n", "VALUE a 5 3\r\nabc\r\nEND\r\n")
	c.expect("add a 0 0 1\r\nx\r\n", "NOT_STORED\r\n")
	c.expect("append a 0 0 2\r\nde\r\n", "STORED\r\n")
	c.expect("set n 0 0 2\r\n10\r\n", "STORED\r\n")
	c.expect("incr n 5\r\n", "15\r\n")
	c.expect("decr n 100\r\n", "0\r\n")
	c.expect("touch a 3600\r\n", "TOUCHED\r\n")
	c.expect("delete n\r\n", "DELETED\r\n")
	c.expect("delete n\r\n", "NOT_FOUND\r\n")
	c.expect("version\r\n", "VERSION 1.6.18\r\n")
	c.expect("mn\r\n", "MN\r\n")

	var req, want strings.Builder
	req.WriteString("get")
	for i := 0; i < 100; i++ {
		k := fmt.Sprint("k", i)
		if i%3 != 0 {
			c.expect(fmt.Sprintf("set %s %d 0 %d\r\n%s\r\n", k, i, len(k)+1, k+"v"), "STORED\r\n")
			fmt.Fprintf(&want, "VALUE %s %d %d\r\n%sv\r\n", k, i, len(k)+1, k)
		}
		req.WriteString(" " + k)
	}
	req.WriteString("\r\n")
	want.WriteString("END\r\n")
	c.expect(req.String(), want.String())
	if got := n.env.Inflight.Load(); got != 0 {
		t.Fatalf("unexpected msgs in flight after the replies; got %d; want 0", got)
	}
}

// TestMemcacheNoreply: noreply requests get no reply and never hold up the
// connection; the next request is answered at once; pipelines of them keep
// the replies of the other requests matched.
func TestMemcacheNoreply(t *testing.T) {
	n, _ := mcProxy(t, nil)
	c := dialMemcache(t, n.ClientAddr().String())
	for _, step := range []struct{ cmd, value string }{
		{"set nr 1 0 2 noreply\r\nab\r\n", "ab"},
		{"add nr 0 0 1 noreply\r\nz\r\n", "ab"}, // NOT_STORED, not seen
		{"append nr 0 0 1 noreply\r\nc\r\n", "abc"},
		{"incr nr 1 noreply\r\n", "abc"}, // CLIENT_ERROR, not seen
		{"touch nr 100 noreply\r\n", "abc"},
		{"verbosity 1 noreply\r\n", "abc"},
	} {
		start := time.Now()
		c.send(step.cmd)
		c.expect("get nr\r\n", fmt.Sprintf("VALUE nr 1 %d\r\n%s\r\nEND\r\n", len(step.value), step.value))
		if d := time.Since(start); d > time.Second {
			t.Fatalf("get after %q took %v", step.cmd, d)
		}
	}
	var b strings.Builder
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&b, "set p%d 0 0 1 noreply\r\nx\r\nget nr\r\ndelete p%d noreply\r\n", i, i)
	}
	c.send(b.String())
	for i := 0; i < 500; i++ {
		if got := c.retrieval(); got != "VALUE nr 1 3\r\nabc\r\nEND\r\n" {
			t.Fatalf("unexpected reply %d in a pipeline with noreply requests; got %q", i, got)
		}
	}
	c.expect("delete nr noreply\r\nget nr p1\r\n", "END\r\n")
	waitInflight(t, n)
}

// waitInflight waits until no msg is in flight in the node.
func waitInflight(t testing.TB, n *Node) {
	t.Helper()
	for i := 0; i < 500 && n.env.Inflight.Load() != 0; i++ {
		time.Sleep(2 * time.Millisecond)
	}
	if got := n.env.Inflight.Load(); got != 0 {
		t.Fatalf("unexpected msgs in flight; got %d; want 0", got)
	}
}

// TestMemcacheQuiet: the q flag of meta commands hides HD (and EN for mg)
// but not the other replies; mn ends the batch.
func TestMemcacheQuiet(t *testing.T) {
	n, _ := mcProxy(t, nil)
	c := dialMemcache(t, n.ClientAddr().String())
	c.send("ms q1 2 q\r\nhi\r\nmg q1 v q\r\nmg missing v q\r\nmd missing q\r\nmd q1 q\r\nmg q1 v q\r\nmn\r\n")
	for _, want := range []string{"VA 2\r\n", "hi\r\n", "NF\r\n", "MN\r\n"} {
		if got := c.line(); got != want {
			t.Fatalf("unexpected line in a quiet batch; got %q; want %q", got, want)
		}
	}
	waitInflight(t, n)
}

// TestMemcacheQuit: quit closes the connection with no reply of its own,
// after the replies of the requests before it.
func TestMemcacheQuit(t *testing.T) {
	n, _ := mcProxy(t, nil)
	c := dialMemcache(t, n.ClientAddr().String())
	c.send("quit\r\n")
	c.expectClosed()
	c = dialMemcache(t, n.ClientAddr().String())
	c.send("set q 0 0 1\r\nx\r\nget q\r\nquit\r\nget q\r\n")
	if got := c.line(); got != "STORED\r\n" {
		t.Fatalf("unexpected reply to set; got %q", got)
	}
	if got := c.retrieval(); got != "VALUE q 0 1\r\nx\r\nEND\r\n" {
		t.Fatalf("unexpected reply to get; got %q", got)
	}
	c.expectClosed()
}

// TestMemcacheErrors: bad requests get memcached's own error lines and the
// connection keeps serving; a line without an end is closed silently.
func TestMemcacheErrors(t *testing.T) {
	n, _ := mcProxy(t, nil)
	c := dialMemcache(t, n.ClientAddr().String())
	ok := func() {
		t.Helper()
		c.expect("set ok 0 0 1\r\nx\r\n", "STORED\r\n")
	}
	for _, tc := range []struct{ req, want string }{
		{"bogus\r\n", "ERROR\r\n"},
		{"GET a\r\n", "ERROR\r\n"},
		{"\r\n", "ERROR\r\n"},
		{"set k 0\r\n", "ERROR\r\n"},
		{"incr k abc\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n"},
		{"touch k soon\r\n", "CLIENT_ERROR invalid exptime argument\r\n"},
		{"get " + strings.Repeat("k", 251) + "\r\n", "CLIENT_ERROR bad command line format\r\n"},
		{"set k 0 0 10000000000\r\n", "CLIENT_ERROR bad command line format\r\n"},
		{"set k 0 0 3\r\nabcd\r\n", "CLIENT_ERROR bad data chunk\r\n"},
	} {
		c.expect(tc.req, tc.want)
		if tc.req == "set k 0 0 3\r\nabcd\r\n" {
			c.expect("", "ERROR\r\n") // "\r\n" after the 3+2 bytes, as memcached
		}
		ok()
	}
	c.send("get " + strings.Repeat("k", 3<<20))
	c.expectClosed()
	c = dialMemcache(t, n.ClientAddr().String())
	ok()
}

// TestMemcacheTooLarge: a value over the node's limit is answered by the
// node as memcached would, its bytes are dropped as they come, and for set
// the item under the key is gone (the node forwards a delete).
func TestMemcacheTooLarge(t *testing.T) {
	n, _ := mcProxy(t, func(n *Node) { n.in.MCLimits.MaxValue = 1000 }) // the request parser's limit
	c := dialMemcache(t, n.ClientAddr().String())
	c.expect("set big 0 0 3\r\nold\r\n", "STORED\r\n")
	v := strings.Repeat("v", 5000)
	c.send("set big 0 0 5000\r\n" + v[:100])
	time.Sleep(20 * time.Millisecond)
	c.expect(v[100:]+"\r\n", "SERVER_ERROR object too large for cache\r\n")
	c.expect("get big\r\n", "END\r\n")
	c.expect("set big 0 0 3\r\nold\r\n", "STORED\r\n")
	c.expect("append big 0 0 5000\r\n"+v+"\r\n", "SERVER_ERROR object too large for cache\r\n")
	c.expect("get big\r\n", "VALUE big 0 3\r\nold\r\nEND\r\n")
	c.send("set big 0 0 5000 noreply\r\n" + v + "\r\n")
	c.expect("get big\r\n", "END\r\n")
	c.expect("set big 0 0 3\r\nold\r\n", "STORED\r\n")
	c.expect("ms big 5000 q\r\n"+v+"\r\n", "SERVER_ERROR object too large for cache\r\n")
	c.expect("get big\r\n", "END\r\n")
	waitInflight(t, n)
}

// TestMemcacheDatastoreDown: with memcached gone, requests get Dynomite's
// error in memcached's form, and noreply requests stay silent.
func TestMemcacheDatastoreDown(t *testing.T) {
	n, mc := mcProxy(t, nil)
	c := dialMemcache(t, n.ClientAddr().String())
	c.expect("set a 0 0 1\r\nx\r\n", "STORED\r\n")
	mc.Kill()
	const refused = "SERVER_ERROR Storage: Datastore refused connection\r\n"
	for i := 0; i < 100; i++ {
		c.send("set b 0 0 1 noreply\r\nx\r\n")
		c.send("get a\r\n")
		if got := c.retrieval(); got != refused {
			t.Fatalf("unexpected reply with memcached down; got %q; want %q", got, refused)
		}
	}
	waitInflight(t, n)
}

// TestMemcacheDoesNotChangeRedis: a Redis node still answers in RESP for
// the same failures (the protocol is per node).
func TestMemcacheDoesNotChangeRedis(t *testing.T) {
	n, r := proxy(t, nil)
	c := dial(t, n)
	expect(t, c, "+OK\r\n", "SET", "k", "v")
	r.Kill()
	if got := do(t, c, "GET", "k"); !bytes.HasPrefix([]byte(got), []byte("-ERR Storage: Datastore refused connection")) {
		t.Fatalf("unexpected reply with redis down; got %q", got)
	}
}

// startMemcacheNode starts a memcached node in front of addr.
func startMemcacheNode(t *testing.T, addr string, edit func(*conf.Pool)) *Node {
	t.Helper()
	cfg := testConfig(addr)
	cfg.Pool.DataStore = 1
	edit(&cfg.Pool)
	return startNode(t, cfg)
}

// TestMemcacheTimeout: a datastore that never answers fails the requests
// on it after the timeout with memcached's form of Dynomite's error; a
// noreply request among them stays silent.
func TestMemcacheTimeout(t *testing.T) {
	n := startMemcacheNode(t, silentServer(t), func(p *conf.Pool) { p.Timeout = 300 * time.Millisecond })
	c := dialMemcache(t, n.ClientAddr().String())
	start := time.Now()
	c.send("get a\r\nset b 0 0 1 noreply\r\nx\r\nincr c 1\r\n")
	const refused = "SERVER_ERROR Storage: Datastore refused connection\r\n"
	for i := 0; i < 2; i++ {
		if got := c.line(); got != refused {
			t.Fatalf("unexpected reply %d after the timeout; got %q; want %q", i, got, refused)
		}
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 1300*time.Millisecond {
		t.Fatalf("unexpected time to the timeout replies: %v; want about 300ms", d)
	}
	waitInflight(t, n)
}

// TestMemcacheMaxMsgs: past max_msgs a request is refused at once, in
// memcached's form, and the connection keeps serving.
func TestMemcacheMaxMsgs(t *testing.T) {
	n := startMemcacheNode(t, silentServer(t), func(p *conf.Pool) { p.MaxMsgs, p.Timeout = 3, time.Second })
	c := dialMemcache(t, n.ClientAddr().String())
	c.send("get a\r\nget b\r\nget c\r\n")
	for i := 0; i < 500 && n.env.Inflight.Load() < 3; i++ {
		time.Sleep(2 * time.Millisecond)
	}
	c2 := dialMemcache(t, n.ClientAddr().String())
	c2.expect("get k\r\n", string(n.rt.TooManyMsgs()))
	c2.expect("set k 0 0 1\r\nv\r\n", "SERVER_ERROR Dynomite: too many requests in flight\r\n")
	c2.send("set k 0 0 1 noreply\r\nv\r\n") // refused silently
	c2.expect("bogus\r\n", "ERROR\r\n")
}
