package engine

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/dedicated"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// Dedicated datastore connections on one node in front of a real
// redis-server: blocking commands, pub/sub and transactions get Redis's
// replies, and every dedicated connection is closed when its state ends
// or its client goes away.

// waitSessions waits until n has want sessions open.
func waitSessions(t *testing.T, n *Node, want int64) {
	t.Helper()
	end := time.Now().Add(5 * time.Second)
	for n.ded.Sessions() != want {
		if time.Now().After(end) {
			t.Fatalf("unexpected number of dedicated sessions; got %d; want %d", n.ded.Sessions(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// openFDs is the number of descriptors this process has open.
func openFDs(t *testing.T) int {
	t.Helper()
	n, err := enginetest.OpenFDs(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitFDs waits until the process has at most want descriptors open.
func waitFDs(t *testing.T, want int) {
	t.Helper()
	end := time.Now().Add(5 * time.Second)
	for openFDs(t) > want {
		if time.Now().After(end) {
			t.Fatalf("descriptors not released; got %d; want at most %d", openFDs(t), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBlockingPopWakes(t *testing.T) {
	n, _ := proxy(t, nil)
	a, b := dial(t, n), dial(t, n)
	expect(t, a, "*-1\r\n", "BLPOP", "bl:list", "0.05") // times out
	waitSessions(t, n, 0)
	if err := a.Send("BLPOP", "bl:list", "5"); err != nil {
		t.Fatal(err)
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	expect(t, b, ":1\r\n", "LPUSH", "bl:list", "x")
	r, err := a.Read()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(r.Raw), "*2\r\n$7\r\nbl:list\r\n$1\r\nx\r\n"; got != want {
		t.Fatalf("unexpected BLPOP reply; got %q; want %q", got, want)
	}
	expect(t, a, "+PONG\r\n", "PING") // back on the shared path
	waitSessions(t, n, 0)
	// Earlier pipelined requests run first.
	a.Send("RPUSH", "bl:l2", "a", "b")
	a.Send("BRPOP", "bl:l2", "1")
	a.Send("LLEN", "bl:l2")
	a.Flush()
	for _, want := range []string{":2\r\n", "*2\r\n$5\r\nbl:l2\r\n$1\r\nb\r\n", ":1\r\n"} {
		r, err := a.Read()
		if err != nil || string(r.Raw) != want {
			t.Fatalf("unexpected pipelined reply; got %v %v; want %q", r, err, want)
		}
	}
	expect(t, a, "-ERR Dynomite: command not supported\r\n", "WAIT", "1", "0")
}

func TestBlockedClientLeaves(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	expect(t, c, "+PONG\r\n", "PING")
	waitSpares(t, n) // the spare connections count in the baseline
	base := openFDs(t)
	for i := 0; i < 20; i++ {
		b := dial(t, n)
		b.Send("BLPOP", "bl:none", "0")
		b.Flush()
		b.Close()
	}
	waitSessions(t, n, 0)
	waitSpares(t, n)
	waitFDs(t, base)
}

func TestSubscribePublish(t *testing.T) {
	n, _ := proxy(t, nil)
	s, p := dial(t, n), dial(t, n)
	expect(t, s, "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", "SUBSCRIBE", "ch")
	expect(t, s, "*3\r\n$10\r\npsubscribe\r\n$3\r\nc*x\r\n:2\r\n", "PSUBSCRIBE", "c*x")
	expect(t, p, ":1\r\n", "PUBLISH", "ch", "hello")
	r, err := s.Read()
	if err != nil || string(r.Raw) != "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n" {
		t.Fatalf("unexpected message; got %v %v", r, err)
	}
	expect(t, s, "*2\r\n$4\r\npong\r\n$0\r\n\r\n", "PING")
	expect(t, s, "*3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:1\r\n", "UNSUBSCRIBE")
	if n.ded.Sessions() != 1 {
		t.Fatalf("session ended with a pattern left")
	}
	expect(t, s, "*3\r\n$12\r\npunsubscribe\r\n$3\r\nc*x\r\n:0\r\n", "PUNSUBSCRIBE", "c*x")
	waitSessions(t, n, 0)
	expect(t, s, "+OK\r\n", "SET", "k", "v") // subscriber mode is over
}

// A subscriber that never reads is closed once its output passes the
// bound, and its session and descriptors go.
func TestSubscriberNotReading(t *testing.T) {
	n, _ := proxy(t, nil)
	p := dial(t, n)
	expect(t, p, "+PONG\r\n", "PING")
	waitSpares(t, n)
	base := openFDs(t)
	s := dial(t, n)
	expect(t, s, "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", "SUBSCRIBE", "ch")
	msg := strings.Repeat("m", 64<<10)
	for i := 0; i < 640; i++ { // 40 MiB
		p.Send("PUBLISH", "ch", msg)
	}
	p.Flush()
	got := 0
	for i := 0; i < 640; i++ {
		r, err := p.Read()
		if err != nil {
			t.Fatal(err)
		}
		if string(r.Raw) == ":1\r\n" {
			got++
		}
	}
	if got == 640 {
		t.Fatalf("every message reached the subscriber that does not read")
	}
	waitSessions(t, n, 0)
	s.Close()
	waitSpares(t, n)
	waitFDs(t, base)
}

func TestDedicatedCap(t *testing.T) {
	n, _ := proxy(t, nil)
	n.ded.Limits.MaxConns = 3
	var subs []*enginetest.Client
	for i := 0; i < 3; i++ {
		c := dial(t, n)
		expect(t, c, "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", "SUBSCRIBE", "ch")
		subs = append(subs, c)
	}
	c := dial(t, n)
	expect(t, c, string(dedicated.ReplyTooMany), "SUBSCRIBE", "ch")
	expect(t, c, ":3\r\n", "PUBLISH", "ch", "x")
	subs[0].Close()
	waitSessions(t, n, 2)
	expect(t, c, "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", "SUBSCRIBE", "ch")
}

func TestTransaction(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	expect(t, c, "-ERR EXEC without MULTI\r\n", "EXEC")
	expect(t, c, "-ERR DISCARD without MULTI\r\n", "DISCARD")
	expect(t, c, "+OK\r\n", "MULTI")
	expect(t, c, "-ERR MULTI calls can not be nested\r\n", "MULTI")
	expect(t, c, "+QUEUED\r\n", "SET", "tx:a", "1")
	expect(t, c, "+QUEUED\r\n", "INCR", "tx:a")
	expect(t, c, "*2\r\n+OK\r\n:2\r\n", "EXEC")
	expect(t, c, "$1\r\n2\r\n", "GET", "tx:a")
	// A refused command aborts the transaction.
	expect(t, c, "+OK\r\n", "MULTI")
	expect(t, c, "-ERR Dynomite: command not supported\r\n", "MONITOR")
	expect(t, c, "+QUEUED\r\n", "INCR", "tx:a")
	expect(t, c, "-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC")
	// WATCH: a change by another client makes EXEC fail.
	o := dial(t, n)
	expect(t, c, "+OK\r\n", "WATCH", "tx:a")
	expect(t, o, "+OK\r\n", "SET", "tx:a", "9")
	expect(t, c, "+OK\r\n", "MULTI")
	expect(t, c, "+QUEUED\r\n", "INCR", "tx:a")
	expect(t, c, "*-1\r\n", "EXEC")
	waitSessions(t, n, 0)
	expect(t, c, "$1\r\n9\r\n", "GET", "tx:a")
}

// A transaction of 200,000 commands, two hundred times the bound set here,
// is cut at the bound: the commands past it are refused and EXEC aborts.
func TestTransactionBound(t *testing.T) {
	n, _ := proxy(t, nil)
	n.ded.Limits.MaxQueued = 1000
	c := dial(t, n)
	expect(t, c, "+OK\r\n", "MULTI")
	const total = 200000
	done := make(chan [2]int, 1)
	go func() {
		var q, refused int
		for i := 0; i < total; i++ {
			r, err := c.Read()
			if err != nil {
				break
			}
			switch string(r.Raw) {
			case "+QUEUED\r\n":
				q++
			case string(dedicated.ReplyTxTooLong):
				refused++
			}
		}
		done <- [2]int{q, refused}
	}()
	frame := enginetest.AppendCommand(nil, []byte("INCR"), []byte("tx:big"))
	chunk := []byte(strings.Repeat(string(frame), 10000))
	for i := 0; i < total/10000; i++ {
		if err := c.WriteRaw(chunk); err != nil {
			t.Fatal(err)
		}
	}
	c.Flush()
	select {
	case got := <-done:
		if got[0] != 1000 || got[1] != total-1000 {
			t.Fatalf("unexpected replies; got %d queued, %d refused; want 1000, %d", got[0], got[1], total-1000)
		}
	case <-time.After(120 * time.Second):
		t.Fatal("replies of the long transaction did not come")
	}
	expect(t, c, "-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC")
	expect(t, c, "$-1\r\n", "GET", "tx:big")
	waitSessions(t, n, 0)
}
