package floor

import (
	"fmt"
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

// TestForwardsInOrder drives the floor in front of a real redis-server:
// two clients pipeline interleaved requests and each gets its own replies
// in order.
func TestForwardsInOrder(t *testing.T) {
	rs, err := enginetest.StartRedis(enginetest.RedisOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	f, err := New("127.0.0.1:0", rs.Addr)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.Serve() }()
	defer func() {
		f.Shutdown()
		if err := <-done; err != nil {
			t.Error(err)
		}
		f.Close()
	}()
	const n = 500
	var clients [2]*enginetest.Client
	for i := range clients {
		if clients[i], err = enginetest.Dial(f.Addr()); err != nil {
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
