package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// startMCWatcher watches a memcached node with set/get pairs.
func startMCWatcher(t *testing.T, addr string) *watcher {
	t.Helper()
	c := dialMC(t, addr)
	return runWatcher(func(i int, v string) ([]string, bool) {
		c.send(fmt.Appendf(nil, "set watch 0 0 %d\r\n%s\r\n", len(v), v))
		var problems []string
		for j, want := range []string{"STORED\r\n", fmt.Sprintf("VALUE watch 0 %d\r\n%s\r\nEND\r\n", len(v), v)} {
			if j == 1 {
				c.send([]byte("get watch\r\n"))
			}
			r, err := c.reply(j == 1)
			if err != nil {
				return append(problems, fmt.Sprintf("round %d reply %d: %v", i, j, err)), true
			}
			if string(r.raw) != want {
				problems = append(problems, fmt.Sprintf("round %d reply %d: got %q; want %q", i, j, trunc(r.raw), want))
			}
		}
		return problems, false
	}, c.close)
}

// firstLine sends input on a new connection to addr and returns the first
// reply line, or a note in parentheses when the connection was closed first
// or nothing came.
func firstLine(t *testing.T, addr string, input []byte) string {
	t.Helper()
	c := dialMC(t, addr)
	defer c.close()
	c.timeout = 5 * time.Second
	go func() {
		c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		c.conn.Write(input)
	}()
	l, err := c.line()
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fmt.Sprintf("(no reply and no close within %v)", c.timeout)
		}
		return "(closed)"
	}
	return string(l)
}

// TestMemcacheBadInput: unknown commands, bad lengths, an over-long key, a
// declared value of 10 GB and garbage get the error reply memcached itself
// gives (or, for the huge and garbage cases, an error or a close), while the
// node keeps serving another client and its RSS stays under 200 MiB.
func TestMemcacheBadInput(t *testing.T) {
	node, _ := mcNode(t)
	ref := enginetest.Memcached(t)
	w := startMCWatcher(t, node.Addr)
	rss := watchRSS(node.PID())

	// The first reply line must equal memcached's; where sameConn is set,
	// the connection must then still serve a set.
	exact := []struct {
		name     string
		input    string
		sameConn bool
	}{
		{"unknown command", "foo bar\r\n", true},
		{"upper-case command", "GET k\r\n", true},
		{"empty line", "\r\n", true},
		{"unknown command with an underscore", "flush_everything\r\n", true},
		{"non-numeric length", "set k 0 0 abc\r\nxyz\r\n", false},
		{"negative length", "set k 0 0 -1\r\n", false},
		{"data longer than declared", "set k 0 0 5\r\nabcdefgh\r\n", false},
		{"too few arguments", "set k 0\r\n", true},
		{"key of 251 bytes", "get " + strings.Repeat("k", 251) + "\r\n", false},
		{"non-numeric delta", "incr k abc\r\n", true},
		{"non-numeric exptime", "touch k soon\r\n", true},
	}
	for _, c := range exact {
		want := firstLine(t, ref.Addr, []byte(c.input))
		got := firstLine(t, node.Addr, []byte(c.input))
		if got != want {
			t.Errorf("%s (%q): unexpected first reply line; got %q; want memcached's %q", c.name, trunc([]byte(c.input)), got, want)
		}
		if !c.sameConn || got != want {
			continue
		}
		mc := dialMC(t, node.Addr)
		mc.timeout = 5 * time.Second
		mc.send([]byte(c.input))
		if _, err := mc.reply(false); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		r, err := mc.do("set ok 0 0 1\r\nx\r\n")
		if err != nil || string(r.raw) != "STORED\r\n" {
			t.Errorf("%s: the connection does not serve a set afterwards: %q %v", c.name, r.raw, err)
		}
		mc.close()
	}

	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 1<<20)
	for i := range garbage {
		garbage[i] = byte(rng.IntN(256))
	}
	oneMiB := bytes.Repeat([]byte{'x'}, 1<<20)
	heavy := []struct {
		name  string
		head  string
		body  []byte
		times int
	}{
		{"declared value of 10 GB", "set k 0 0 10000000000\r\n", oneMiB, 64},
		{"declared value of 2 GB", "set k 0 0 2147483647\r\n", oneMiB, 64},
		{"64 MiB line without a newline", "get ", oneMiB, 64},
		{"binary garbage", "", garbage, 16},
		{"8 MiB of CR LF pairs", "", bytes.Repeat([]byte("\r\n"), 1<<19), 8},
	}
	for _, h := range heavy {
		conn, err := net.DialTimeout("tcp", node.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		drained := make(chan []byte)
		go func() {
			conn.SetReadDeadline(time.Now().Add(15 * time.Second))
			// Keep the start of the reply; drain the rest so the node
			// never blocks on us.
			b, _ := io.ReadAll(io.LimitReader(conn, 4096))
			io.Copy(io.Discard, conn)
			drained <- b
		}()
		conn.SetWriteDeadline(time.Now().Add(3 * time.Second))
		_, err = conn.Write([]byte(h.head))
		for i := 0; i < h.times && err == nil; i++ {
			_, err = conn.Write(h.body)
		}
		time.Sleep(100 * time.Millisecond)
		conn.Close()
		reply := <-drained
		if len(reply) > 0 && !bytes.HasPrefix(reply, []byte("CLIENT_ERROR")) && !bytes.HasPrefix(reply, []byte("SERVER_ERROR")) && !bytes.HasPrefix(reply, []byte("ERROR")) {
			t.Errorf("%s: unexpected reply %q; want an error or a close", h.name, trunc(reply))
		}
		if !node.Running() {
			t.Fatalf("%s: the node exited", h.name)
		}
		t.Logf("%s: write error %v; reply %q", h.name, err, trunc(reply))
	}
	peak := rss.Stop()
	w.check(t)
	t.Logf("node RSS peak %s", mib(peak))
	if peak > rssLimit {
		t.Errorf("node RSS peaked at %s; want under %s", mib(peak), mib(rssLimit))
	}
	mc := dialMC(t, node.Addr)
	r, err := mc.do("set after 0 0 2\r\nok\r\n")
	if err != nil || string(r.raw) != "STORED\r\n" {
		t.Fatalf("a new client after the bad input: %q %v", r.raw, err)
	}
}

// TestMemcacheQuit: quit closes the connection without any reply bytes,
// also after pipelined commands, whose replies come first.
func TestMemcacheQuit(t *testing.T) {
	node, _ := mcNode(t)
	c := dialMC(t, node.Addr)
	c.send([]byte("quit\r\n"))
	if err := c.expectClosed(5 * time.Second); err != nil {
		t.Fatalf("quit: %v", err)
	}
	c = dialMC(t, node.Addr)
	c.send([]byte("set q 0 0 1\r\nx\r\nget q\r\nquit\r\nget q\r\n"))
	r, err := c.reply(false)
	if err != nil || string(r.raw) != "STORED\r\n" {
		t.Fatalf("set before quit: %q %v", r.raw, err)
	}
	r, err = c.reply(true)
	if err != nil || string(r.raw) != "VALUE q 0 1\r\nx\r\nEND\r\n" {
		t.Fatalf("get before quit: %q %v", r.raw, err)
	}
	if err := c.expectClosed(5 * time.Second); err != nil {
		t.Fatalf("quit after pipelined commands: %v", err)
	}
}
