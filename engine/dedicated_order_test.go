package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/dedicated"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// A blocking command keeps its place in the datastore's order: a command
// another client sends right after it (on a shared connection) reaches
// Redis after it, because the session takes a spare connection that is
// already dialled and writes the command at once. Two clients' commands
// sent at the same instant have no order (the node may handle them on two
// pollers in parallel): the other client sends its command orderGap after
// the blocking one, far less than a dial takes, which a Redis test client
// leaves between two commands anyway.

// orderGap is the time between the blocking command and the other
// client's command, stretched under the race detector (raceFactor), which
// slows the node's handling of the first command as much.
const orderGap = 400 * time.Microsecond * raceFactor

// waitSpares waits until n has its spare dedicated connections ready.
func waitSpares(t *testing.T, n *Node) {
	t.Helper()
	want := n.ded.Limits.Spares
	end := time.Now().Add(5 * time.Second)
	for n.ded.Spares() != want {
		if time.Now().After(end) {
			t.Fatalf("spare connections not ready; got %d; want %d", n.ded.Spares(), want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// send writes one command without waiting for its reply.
func send(t *testing.T, c *enginetest.Client, args ...string) {
	t.Helper()
	if err := c.Send(args...); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
}

// read reads one reply's exact bytes.
func read(t *testing.T, c *enginetest.Client) string {
	t.Helper()
	r, err := c.Read()
	if err != nil {
		t.Fatal(err)
	}
	return string(r.Raw)
}

// Client A's BLPOP is sent, then at once client B pipelines LPUSH and
// DEL: had B's commands reached Redis first, the list would be gone and A
// would stay blocked; in order, A pops the value and DEL finds nothing.
func TestBlockingPopKeepsOrder(t *testing.T) {
	n, _ := proxy(t, nil)
	a, b := dial(t, n), dial(t, n)
	a.Timeout = 5 * time.Second
	for i := 0; i < 50; i++ {
		waitSessions(t, n, 0)
		waitSpares(t, n)
		send(t, a, "BLPOP", "ord:list", "0")
		time.Sleep(orderGap)
		b.Send("LPUSH", "ord:list", "v")
		send(t, b, "DEL", "ord:list")
		if got := read(t, b); got != ":1\r\n" {
			t.Fatalf("round %d: unexpected LPUSH reply; got %q", i, got)
		}
		if got := read(t, b); got != ":0\r\n" {
			t.Fatalf("round %d: DEL overtook BLPOP; got %q; want %q", i, got, ":0\r\n")
		}
		if got, want := read(t, a), "*2\r\n$8\r\nord:list\r\n$1\r\nv\r\n"; got != want {
			t.Fatalf("round %d: unexpected BLPOP reply; got %q; want %q", i, got, want)
		}
	}
}

// Client A's XREADGROUP BLOCK 0 is sent, then at once client B deletes
// the stream: in order, Redis wakes A with its "no longer exists" error;
// had DEL come first, A would get NOGROUP.
func TestBlockingXReadGroupKeyDeleted(t *testing.T) {
	n, _ := proxy(t, nil)
	a, b := dial(t, n), dial(t, n)
	a.Timeout = 5 * time.Second
	for i := 0; i < 50; i++ {
		waitSessions(t, n, 0)
		expect(t, b, ":0\r\n", "DEL", "ord:stream")
		expect(t, b, "$5\r\n666-0\r\n", "XADD", "ord:stream", "666", "f", "v")
		expect(t, b, "+OK\r\n", "XGROUP", "CREATE", "ord:stream", "g", "$")
		waitSpares(t, n)
		send(t, a, "XREADGROUP", "GROUP", "g", "Alice", "BLOCK", "0", "STREAMS", "ord:stream", ">")
		time.Sleep(orderGap)
		expect(t, b, ":1\r\n", "DEL", "ord:stream")
		got := read(t, a)
		if !strings.HasPrefix(got, "-") || !strings.Contains(got, "no longer exists") {
			t.Fatalf("round %d: DEL overtook XREADGROUP; got %q", i, got)
		}
	}
}

// The spare connections are taken and kept at the bound, and they close
// with the node: Redis sees the node's connections go.
func TestSparesBoundedAndClosed(t *testing.T) {
	r := enginetest.Redis(t)
	n, err := New(Options{Config: testConfig(r.Addr)})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	if n.ded.Limits.Spares != dedicated.DefaultLimits.Spares || n.ded.Limits.Spares <= 0 {
		t.Fatalf("unexpected spare bound %d", n.ded.Limits.Spares)
	}
	waitSpares(t, n)
	rc := enginetest.DialTB(t, r.Addr)
	clients := func() int {
		rep, err := rc.Do("CLIENT", "LIST")
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(string(rep.Str), "\n")
	}
	c := dial(t, n)
	expect(t, c, "+PONG\r\n", "PING")
	before := clients()
	for i := 0; i < 10; i++ { // each session takes a spare, which is replaced
		expect(t, c, "*-1\r\n", "BLPOP", "ord:none", "0.01")
		waitSessions(t, n, 0)
		waitSpares(t, n)
	}
	time.Sleep(50 * time.Millisecond) // let a surplus, if any, show
	if got := n.ded.Spares(); got != n.ded.Limits.Spares {
		t.Fatalf("unexpected spare count; got %d; want %d", got, n.ded.Limits.Spares)
	}
	if got := clients(); got != before {
		t.Fatalf("unexpected datastore connections after the sessions; got %d; want %d", got, before)
	}
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.Shutdown(ctx); err != nil {
		t.Fatalf("unexpected Shutdown error: %v", err)
	}
	end := time.Now().Add(5 * time.Second)
	for clients() != 1 { // only rc is left
		if time.Now().After(end) {
			t.Fatalf("node's datastore connections left open after Shutdown; got %d clients", clients())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
