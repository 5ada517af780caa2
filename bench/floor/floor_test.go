package floor

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

func TestRequestLen(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"PING\r\n", 6},
		{"PING", 0},
		{"*1\r\n$4\r\nPING\r\n", 14},
		{"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1", 20},
		{"*2\r\n$3\r\nGET\r\n$1\r\n", 0},
		{"*2\r\n$3\r\nGET\r\n$1\r\nkX\r\n", -1},
		{"*1\r\n:4\r\n", -1},
		{"*x\r\n", -1},
		{"*2000000\r\n", -1},
		{"*1\r\n$1000000000\r\n", -1},
	} {
		if got := RequestLen([]byte(c.in)); got != c.want {
			t.Errorf("RequestLen(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestReplyLen(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{"+OK\r\n", 5},
		{"-ERR x\r\n+OK", 8},
		{":12\r\n", 5},
		{"$-1\r\n", 5},
		{"$3\r\nabc\r\n", 9},
		{"$3\r\nab", 0},
		{"*-1\r\n", 5},
		{"*2\r\n$1\r\na\r\n:1\r\n", 15},
		{"*2\r\n$1\r\na\r\n", 0},
		{"*1\r\n*1\r\n+x\r\n", 12},
		{"?", -1},
	} {
		if got := ReplyLen([]byte(c.in)); got != c.want {
			t.Errorf("ReplyLen(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

// serve runs a floor in front of the datastore at store until the test ends
// and returns its address.
func serve(t *testing.T, store string, memcache bool) string {
	t.Helper()
	f, err := New("127.0.0.1:0", store, memcache)
	if err != nil {
		t.Fatal(err)
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
	var clients [2]*enginetest.Client
	for i := range clients {
		if clients[i], err = enginetest.Dial(addr); err != nil {
			t.Fatal(err)
		}
		defer clients[i].Close()
	}
	for j := 0; j < n; j++ {
		for i, c := range clients {
			if err := c.Send("SET", fmt.Sprintf("k%d:%d", i, j), strings.Repeat("v", j)); err != nil {
				t.Fatal(err)
			}
			if err := c.Send("STRLEN", fmt.Sprintf("k%d:%d", i, j)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range clients {
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
	}
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

func TestMCRequestLen(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"get k\r\n", 7},
		{"get a b c\r\nget", 11},
		{"get k\n", -1},
		{"set k 0 0 3\r\nabc\r\n", 18},
		{"set k 0 0 3\r\nab", 0},
		{"set k 0 0 3\r\nabcd\r\n", -1},
		{"cas k 0 0 1 99\r\nx\r\n", 19},
		{"set k 0 0 x\r\nabc\r\n", -1},
		{"delete k noreply\r\n", -1},
		{strings.Repeat("g", 3000), -1},
	} {
		if got := MCRequestLen([]byte(c.in)); got != c.want {
			t.Errorf("MCRequestLen(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestMCReplyLen(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"STORED\r\nEND", 8},
		{"END\r\n", 5},
		{"VALUE k 0 3\r\nabc\r\nEND\r\n", 23},
		{"VALUE k 0 3\r\nabc\r\nEN", 0},
		{"VALUE k 0 3\r\nabc\r\nVALUE j 0 1\r\nx\r\nEND\r\n", 39},
		{"VALUE k 0 3\r\nabcde\r\nEND\r\n", -1},
		{"VALUE k 0 3\r\nabc\r\nSTORED\r\n", -1},
		{"VALUE k 0 y\r\n", -1},
	} {
		if got := MCReplyLen([]byte(c.in)); got != c.want {
			t.Errorf("MCReplyLen(%q) = %d, want %d", c.in, got, c.want)
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
