package engine

import (
	"io"
	"net"
	"testing"
	"time"
)

// A client that half-closes with a reply still owed gets the reply, then
// the end of the stream (docs/compat.md §9.1): the node keeps the socket
// past netpoll's close and writes through a duplicate descriptor.
func TestHalfClosedClientGetsReplies(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	expect(t, c, "+OK\r\n", "SET", "hc", "v")
	start := time.Now()
	// A script that keeps the datastore busy for 300 ms.
	const busy = "local t = redis.call('TIME') repeat local u = redis.call('TIME') " +
		"until (u[1] - t[1]) * 1000000 + (u[2] - t[2]) >= 300000 return 1"
	if err := c.Send("EVAL", busy, "1", "hc"); err != nil {
		t.Fatal(err)
	}
	if err := c.Send("GET", "hc"); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := c.Conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{":1\r\n", "$1\r\nv\r\n"} {
		r, err := c.Read()
		if err != nil || string(r.Raw) != want {
			t.Fatalf("unexpected reply after the half-close; got %v, %v; want %q", r, err, want)
		}
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("the script was answered after %v, before it ended: the half-close was not seen with a reply owed", d)
	}
	c.Conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if rest, err := io.ReadAll(c.Conn); err != nil || len(rest) != 0 {
		t.Fatalf("unexpected stream end; got %q, %v; want end of stream", rest, err)
	}
}
