package floor

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// serve runs a floor in front of the datastore at store until the test ends
// and returns its address.
func serve(t *testing.T, store string, memcache bool) string {
	t.Helper()
	return serveWith(t, store, memcache, nil)
}

// serveWith is serve with setup, when not nil, called on the floor before
// it serves (Replicate).
func serveWith(t *testing.T, store string, memcache bool, setup func(*Floor) error) string {
	t.Helper()
	f, err := New("127.0.0.1:0", store, memcache)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		if err := setup(f); err != nil {
			f.Close()
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- f.Serve() }()
	t.Cleanup(func() {
		f.Shutdown()
		if err := <-done; err != nil {
			t.Error(err)
		}
		f.Close()
	})
	return f.Addr()
}

// pipeline dials addr with clients connections (closed when the test
// ends) and has each pipeline the requests of n rounds, interleaved:
// round j of client i sends the commands reqs(i, j); then flushes them all.
func pipeline(t *testing.T, addr string, clients, n int, reqs func(i, j int) [][]string) []*enginetest.Client {
	t.Helper()
	cs := make([]*enginetest.Client, clients)
	for i := range cs {
		c, err := enginetest.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		cs[i] = c
	}
	for j := 0; j < n; j++ {
		for i, c := range cs {
			for _, r := range reqs(i, j) {
				if err := c.Send(r...); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, c := range cs {
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	return cs
}

// TestForwardsInOrder drives the floor in front of a real redis-server:
// two clients pipeline interleaved requests and each gets its own replies
// in order.
func TestForwardsInOrder(t *testing.T) {
	rs, err := enginetest.StartRedis(enginetest.RedisOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.Close() })
	addr := serve(t, rs.Addr, false)
	const n = 500
	clients := pipeline(t, addr, 2, n, func(i, j int) [][]string {
		return [][]string{{"SET", fmt.Sprintf("k%d:%d", i, j), strings.Repeat("v", j)}, {"STRLEN", fmt.Sprintf("k%d:%d", i, j)}}
	})
	for i, c := range clients {
		for j := 0; j < n; j++ {
			r, err := c.Read()
			if err != nil {
				t.Fatal(err)
			}
			if r.String() != "OK" {
				t.Fatalf("client %d SET %d: %s", i, j, r)
			}
			if r, err = c.Read(); err != nil {
				t.Fatal(err)
			}
			if r.Type != ':' || r.Int != int64(j) {
				t.Fatalf("client %d STRLEN %d: %s, want (integer) %d", i, j, r, j)
			}
		}
	}
}

// TestForwardsMemcached drives the floor in front of a real memcached: two
// clients pipeline sets and gets of values with \r\n inside and read
// their own replies in order.
func TestForwardsMemcached(t *testing.T) {
	mc, err := enginetest.StartMemcached(enginetest.MemcachedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mc.Close() })
	addr := serve(t, mc.Addr, true)
	const n = 300
	var conns [2]net.Conn
	for i := range conns {
		if conns[i], err = net.Dial("tcp", addr); err != nil {
			t.Fatal(err)
		}
		defer conns[i].Close()
	}
	value := func(i, j int) string { return fmt.Sprintf("v%d\r\n%s", i, strings.Repeat("x", j)) }
	for j := 0; j < n; j++ {
		for i, c := range conns {
			v := value(i, j)
			req := fmt.Sprintf("set k%d:%d 0 0 %d\r\n%s\r\nget k%d:%d k%d:none\r\n", i, j, len(v), v, i, j, i)
			if _, err := io.WriteString(c, req); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, c := range conns {
		r := bufio.NewReader(c)
		for j := 0; j < n; j++ {
			v := value(i, j)
			want := fmt.Sprintf("STORED\r\nVALUE k%d:%d 0 %d\r\n%s\r\nEND\r\n", i, j, len(v), v)
			got := make([]byte, len(want))
			if _, err := io.ReadFull(r, got); err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Fatalf("client %d request %d: %q, want %q", i, j, got, want)
			}
		}
	}
}

// A client whose request cannot be matched to a reply in order (memcached
// noreply) or is not RESP is closed; the others are served.
func TestClosesUnframedClients(t *testing.T) {
	mc, err := enginetest.StartMemcached(enginetest.MemcachedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mc.Close() })
	rs, err := enginetest.StartRedis(enginetest.RedisOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.Close() })
	for _, c := range []struct {
		store    string
		memcache bool
		bad, ok  string
		reply    string
	}{
		{mc.Addr, true, "set k 0 0 1 noreply\r\nx\r\n", "version\r\n", "VERSION "},
		{rs.Addr, false, "*1\r\n:4\r\n", "PING\r\n", "+PONG\r\n"},
	} {
		addr := serve(t, c.store, c.memcache)
		bad := send(t, addr, c.bad)
		if n, err := bad.Read(make([]byte, 64)); err != io.EOF {
			t.Fatalf("%q: read %d bytes, %v; want the connection closed", c.bad, n, err)
		}
		line, err := bufio.NewReader(send(t, addr, c.ok)).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, c.reply) {
			t.Fatalf("%q: got %q, %v; want %q...", c.ok, line, err, c.reply)
		}
	}
}

// send dials addr, writes s and returns the connection, closed when the
// test ends, with a 5 s read deadline.
func send(t *testing.T, addr, s string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	return c
}
