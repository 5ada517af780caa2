package engine

import (
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/sock"
	"github.com/dynomite-go/dynomite/engine/stats"
)

// Two nodes of one process, built with different options, are independent:
// each has its own buffer pool and in-use count, its own stats and its own
// busy-poll setting, and both serve. They share only netpoll's
// configuration, which is the process's (sock.ConfigureNetpoll), and both
// record it.
func TestTwoNodesAreIndependent(t *testing.T) {
	r := enginetest.Redis(t)
	cfgA, cfgB := testConfig(r.Addr), testConfig(r.Addr)
	cfgB.Pool.MbufSize = 4096
	const spinB = 250 * time.Microsecond
	a := startNodeOptions(t, Options{Config: cfgA, Spin: -1}, nil)
	b := startNodeOptions(t, Options{Config: cfgB, Spin: spinB}, nil)

	if a.env.Bufs == b.env.Bufs {
		t.Fatal("two nodes count their buffers on one counter")
	}
	wantB := int64(0)
	if sock.CanLook {
		wantB = int64(spinB)
	}
	if a.env.Spin.Budget != 0 || b.env.Spin.Budget != wantB {
		t.Fatalf("unexpected spin budgets; got %v and %v; want 0 and %v",
			time.Duration(a.env.Spin.Budget), time.Duration(b.env.Spin.Budget), time.Duration(wantB))
	}
	process := sock.ConfigureNetpoll(sock.NetpollConfig{}) // changes nothing now: returns the first
	if a.poll != process || b.poll != process || a.poll.Pollers < 1 {
		t.Fatalf("nodes record netpoll configurations %+v and %+v; the process runs %+v", a.poll, b.poll, process)
	}

	ca, cb := dial(t, a), dial(t, b)
	expect(t, ca, "+OK\r\n", "SET", "indep", "a")
	expect(t, cb, "$1\r\na\r\n", "GET", "indep")
	aBufs, bBufs, bBefore := restingBufs(a), restingBufs(b), snap(b)

	// A partial request on a is kept in a buffer of a's pool; b's count
	// does not move.
	if err := ca.WriteRaw([]byte("*2\r\n$3\r\nGET\r\n$5\r\nin")); err != nil {
		t.Fatal(err)
	}
	if err := ca.Flush(); err != nil {
		t.Fatal(err)
	}
	waitBufs(t, a, aBufs+1)
	if got := b.env.Bufs.InUse(); got != bBufs {
		t.Fatalf("b's buffers in use moved with a's partial request; got %d; want %d", got, bBufs)
	}
	if err := ca.WriteRaw([]byte("dep\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := ca.Flush(); err != nil {
		t.Fatal(err)
	}
	if rep, err := ca.Read(); err != nil || string(rep.Raw) != "$1\r\na\r\n" {
		t.Fatalf("unexpected reply to the completed request; got %v, %v", rep, err)
	}
	waitBufs(t, a, aBufs)

	const k = 100
	for range k {
		expect(t, ca, "$1\r\na\r\n", "GET", "indep")
	}
	bAfter := snap(b)
	if got := b.env.Bufs.InUse(); got != bBufs {
		t.Errorf("b's buffers in use moved with a's traffic; got %d; want %d", got, bBufs)
	}
	if statsBuiltOff {
		return
	}
	for _, m := range []stats.Metric{stats.ClientReadRequests, stats.ReadRequests} {
		if got, want := bAfter.Value(m), bBefore.Value(m); got != want {
			t.Errorf("b's %s moved with a's traffic; got %d; want %d", m, got, want)
		}
	}
	if got := snap(a).Value(stats.ClientReadRequests); got < k {
		t.Errorf("a's client_read_requests %d; want at least %d", got, k)
	}
	expect(t, cb, "$1\r\na\r\n", "GET", "indep")
}

// waitBufs polls until n's buffers in use are want.
func waitBufs(t *testing.T, n *Node, want int64) {
	t.Helper()
	if statsBuiltOff {
		return // nothing counts them
	}
	end := time.Now().Add(5 * time.Second)
	for n.env.Bufs.InUse() != want {
		if time.Now().After(end) {
			t.Fatalf("unexpected buffers in use; got %d; want %d", n.env.Bufs.InUse(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// restingBufs returns n's buffers in use once the count stayed the same
// for 20 ms: a reply reaches the client before the node returns the
// buffer it was written from.
func restingBufs(n *Node) int64 {
	last := n.env.Bufs.InUse()
	for same := 0; same < 4; {
		time.Sleep(5 * time.Millisecond)
		now := n.env.Bufs.InUse()
		if now == last {
			same++
		} else {
			last, same = now, 0
		}
	}
	return last
}

// Options.Spin sets a node's budget: 0 the default, negative off, else the
// value; a build that cannot busy-poll never spins.
func TestSpinOption(t *testing.T) {
	f := func(spin time.Duration, want time.Duration) {
		t.Helper()
		if !sock.CanLook {
			want = 0
		}
		n, err := New(Options{Config: testConfig("127.0.0.1:1"), Spin: spin})
		if err != nil {
			t.Fatal(err)
		}
		if got := time.Duration(n.env.Spin.Budget); got != want {
			t.Errorf("unexpected budget for Spin %v; got %v; want %v", spin, got, want)
		}
	}
	f(0, core.DefaultSpin)
	f(-1, 0)
	f(time.Millisecond, time.Millisecond)
}

// A node spins for up to core.SpinClients client connections.
func TestSpinClientsOfNode(t *testing.T) {
	n, _ := proxy(t, nil)
	if n.env.Spin.MaxClients != core.SpinClients() {
		t.Fatalf("a node spins for up to %d clients, want %d", n.env.Spin.MaxClients, core.SpinClients())
	}
}
