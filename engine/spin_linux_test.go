//go:build !portable

package engine

import (
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/sock"
)

// The spin looks at the epoll instance that polls the connection: found
// from /proc for a datastore connection (sock.FindPoller), and the same
// through the node's cache.
func TestSpinFindsPollerEpoll(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	expect(t, c, "+OK\r\n", "SET", "spin", "v")
	expect(t, c, "$1\r\nv\r\n", "GET", "spin")
	s := n.links[0].Cur.Load()
	if s == nil {
		t.Fatal("no datastore connection")
	}
	ep := sock.FindPoller(s.FD)
	if ep <= 0 {
		t.Fatalf("epoll of datastore fd %d not found: %d", s.FD, ep)
	}
	if got := n.env.Spin.PollerOf(s.FD); got != ep {
		t.Fatalf("unexpected epoll for fd %d; got %d; want %d", s.FD, got, ep)
	}
}

// With a long budget, one client's sequential requests are answered (the
// spin returns as soon as the reply is readable) and a second client is
// served while the first one idles (the spin gives up at its budget).
func TestSpinServesWhileSpinning(t *testing.T) {
	n, _ := proxy(t, nil)
	n.env.Spin.Budget = int64(20 * time.Millisecond)
	a, b := dial(t, n), dial(t, n)
	start := time.Now()
	for i := range 200 {
		k := "k" + string(rune('a'+i%26))
		expect(t, a, "+OK\r\n", "SET", k, "x")
		expect(t, a, "$1\r\nx\r\n", "GET", k)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("400 sequential requests took %v", d)
	}
	expect(t, b, "+PONG\r\n", "PING")
	expect(t, a, "+PONG\r\n", "PING")
}

// A client that pauses longer than the budget between requests makes the
// idle spins (none in flight) back off.
func TestSpinBacksOffWhenEmpty(t *testing.T) {
	n, _ := proxy(t, nil)
	n.env.Spin.Budget = int64(time.Millisecond)
	a := dial(t, n)
	for range core.BackoffAfter + 2 {
		expect(t, a, "$-1\r\n", "GET", "absent")
		time.Sleep(5 * time.Millisecond)
	}
	if got := n.env.Spin.Kinds[0].Wasted.Load(); got != core.BackoffAfter {
		t.Fatalf("unexpected idle misses; got %d; want %d", got, core.BackoffAfter)
	}
	if got := n.env.Spin.Kinds[0].Skipped.Load(); got == 0 {
		t.Fatal("no idle spin was skipped while backing off")
	}
}
