package engine

import (
	"net"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// The spin looks at the epoll instance that polls the connection: found
// from /proc for a datastore connection, and not found for a descriptor no
// epoll instance lists.
func TestSpinFindsPollerEpoll(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	expect(t, c, "+OK\r\n", "SET", "spin", "v")
	expect(t, c, "$1\r\nv\r\n", "GET", "spin")
	s := n.slots[0].cur.Load()
	if s == nil {
		t.Fatal("no datastore connection")
	}
	ep := findEpoll(s.fd)
	if ep <= 0 {
		t.Fatalf("epoll of datastore fd %d not found: %d", s.fd, ep)
	}
	if got := n.spin.epfdOf(s.fd); got != ep {
		t.Fatalf("unexpected epoll for fd %d; got %d; want %d", s.fd, got, ep)
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	if got := findEpoll(p[0]); got != -1 {
		t.Fatalf("a pipe no epoll polls was found in epoll %d", got)
	}
}

// With a long budget, one client's sequential requests are answered (the
// spin returns as soon as the reply is readable) and a second client is
// served while the first one idles (the spin gives up at its budget).
func TestSpinServesWhileSpinning(t *testing.T) {
	n, _ := proxy(t, nil)
	n.spin.budget = int64(20 * time.Millisecond)
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

// dialConnected connects over TCP and Unix sockets and reports a refused
// connection as an error.
func TestDialConnected(t *testing.T) {
	r := enginetest.Redis(t)
	nc, err := dialConnected("tcp", r.Addr, time.Second)
	if err != nil {
		t.Fatalf("cannot dial %s: %v", r.Addr, err)
	}
	nc.Close()

	sock := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	nc, err = dialConnected("unix", sock, time.Second)
	if err != nil {
		t.Fatalf("cannot dial %s: %v", sock, err)
	}
	nc.Close()
	ln.Close()

	if _, err := dialConnected("unix", sock, time.Second); err == nil {
		t.Fatal("a dial to a closed socket succeeded")
	}
}

// A client that pauses longer than the budget between requests makes the
// idle spins (none in flight) back off.
func TestSpinBacksOffWhenEmpty(t *testing.T) {
	n, _ := proxy(t, nil)
	n.spin.budget = int64(time.Millisecond)
	a := dial(t, n)
	for range spinMisses + 2 {
		expect(t, a, "$-1\r\n", "GET", "absent")
		time.Sleep(5 * time.Millisecond)
	}
	if got := n.spin.kinds[0].misses.Load(); got != spinMisses {
		t.Fatalf("unexpected idle misses; got %d; want %d", got, spinMisses)
	}
	if got := n.spin.kinds[0].skipped.Load(); got == 0 {
		t.Fatal("no idle spin was skipped while backing off")
	}
}

// A node spins for one client up to spinClients of them, not for none and
// not for more.
func TestSpinOnlyForFewClients(t *testing.T) {
	s := spinPoll{maxClients: 2}
	for n, want := range []bool{false, true, true, false, false} {
		if got := s.forClients(int32(n)); got != want {
			t.Errorf("forClients(%d) with maxClients 2: %v, want %v", n, got, want)
		}
	}
	if got := spinClients(); got < 4 || int(got) > 4*runtime.NumCPU() {
		t.Fatalf("spinClients() = %d, want 4..%d", got, 4*runtime.NumCPU())
	}
	n, _ := proxy(t, nil)
	if n.spin.maxClients != spinClients() {
		t.Fatalf("a node spins for up to %d clients, want %d", n.spin.maxClients, spinClients())
	}
}
