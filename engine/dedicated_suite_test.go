package engine

import (
	"strings"
	"testing"
)

// Replies a client of one node in front of a real redis-server gets where
// Redis's own test suite looks: requests the node refuses before routing
// them, inside a transaction, and stream reads that do not block.

// An unknown command or a wrong arity inside MULTI is answered in order
// with the transaction's replies and makes EXEC abort, as in Redis.
func TestTransactionInvalidRequestAborts(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	expect(t, c, ":0\r\n", "DEL", "txa:1", "txa:2")
	for _, bad := range [][]string{{"NO-SUCH-COMMAND"}, {"GET"}} {
		// Pipelined: the refusal must come between the two QUEUED.
		for _, req := range [][]string{{"MULTI"}, {"SET", "txa:1", "x"}, bad, {"SET", "txa:2", "y"}, {"EXEC"}} {
			if err := c.Send(req...); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"+OK", "+QUEUED", "-ERR ", "+QUEUED", "-EXECABORT "} {
			r, err := c.Read()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(r.Raw), want) {
				t.Fatalf("unexpected reply %d after %q; got %q; want prefix %q", i, bad, r.Raw, want)
			}
		}
		expect(t, c, "+PONG\r\n", "PING") // the MULTI state is cleared
		expect(t, c, ":0\r\n", "EXISTS", "txa:1", "txa:2")
	}
	waitSessions(t, n, 0)
}

// XREAD and XREADGROUP without BLOCK are plain commands.
func TestStreamReadWithoutBlock(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	expect(t, c, "$3\r\n1-1\r\n", "XADD", "xr:s", "1-1", "f", "v")
	expect(t, c, "*1\r\n*2\r\n$4\r\nxr:s\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
		"XREAD", "STREAMS", "xr:s", "0")
	expect(t, c, "+OK\r\n", "XGROUP", "CREATE", "xr:s", "g", "0")
	expect(t, c, "*1\r\n*2\r\n$4\r\nxr:s\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
		"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "xr:s", ">")
	expect(t, c, ":1\r\n", "XACK", "xr:s", "g", "1-1")
}
