package engine

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// TestLocalReplies checks the requests the node answers itself; the
// connection must stay open after each of them.
func TestLocalReplies(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	f := func(want string, args ...string) {
		t.Helper()
		expect(t, c, want, args...)
		expect(t, c, "+PONG\r\n", "PING") // still open
	}
	f("-ERR unknown command 'nosuchcmd', with args beginning with: 'a' \r\n", "nosuchcmd", "a")
	f("-ERR wrong number of arguments for 'get' command\r\n", "GET")
	f("-ERR wrong number of arguments for 'mget' command\r\n", "MGET")
	f(string(resp.ReplyEmptyKey), "GET", "")
	f(string(resp.ReplyNotSupported), "WAIT", "1", "0")
	f("+OK\r\n", "dyno_config:conn_consistency", "dc_quorum")
	f(string(resp.ReplyBadConsistency), "dyno_config:conn_consistency", "DC_TWO")
	f("-ERR wrong number of arguments for 'dyno_config:conn_consistency' command\r\n", "dyno_config:conn_consistency")
	long := strings.Repeat("x", 100*1024)
	if got := do(t, c, long); !strings.HasPrefix(got, "-ERR unknown command '") {
		t.Fatalf("unexpected reply to a 100 KB command name; got %.60q", got)
	}
}

// TestLocalRepliesKeepOrder sends local and forwarded requests in one
// pipeline: replies must come in request order.
func TestLocalRepliesKeepOrder(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	expect(t, c, "+OK\r\n", "SET", "k", "v")
	var wants []string
	for i := 0; i < 50; i++ {
		_ = c.Send("GET", "k")
		_ = c.Send("nosuchcmd")
		_ = c.Send("GET")
		wants = append(wants, "$1\r\nv\r\n",
			"-ERR unknown command 'nosuchcmd', with args beginning with: \r\n",
			"-ERR wrong number of arguments for 'get' command\r\n")
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for i, want := range wants {
		r, err := c.Read()
		if err != nil {
			t.Fatalf("cannot read reply %d: %v", i, err)
		}
		if string(r.Raw) != want {
			t.Fatalf("unexpected reply %d; got %q; want %q", i, r.Raw, want)
		}
	}
}

func TestQuit(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	// Replies before QUIT are delivered, QUIT gets +OK, then the node
	// closes: a request after QUIT in the same pipeline is not answered.
	if err := c.WriteRaw([]byte("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, c.Conn)
	if want := "+PONG\r\n+OK\r\n"; got != want {
		t.Fatalf("unexpected bytes before close; got %q; want %q", got, want)
	}
}

// readAll reads until the node closes the connection.
func readAll(t *testing.T, conn io.Reader) string {
	t.Helper()
	if d, ok := conn.(interface{ SetReadDeadline(time.Time) error }); ok {
		_ = d.SetReadDeadline(time.Now().Add(10 * time.Second))
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, conn); err != nil {
		t.Fatalf("connection not closed by the node: %v (read %q)", err, buf.String())
	}
	return buf.String()
}

func TestMalformedFrameCloses(t *testing.T) {
	n, _ := proxy(t, nil)
	for _, tc := range []struct{ name, in, want string }{
		{"bad bulk length", "*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"negative multibulk", "*-5x\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"huge bulk", "*1\r\n$1000000000000\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"huge array", "*1000000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"after a good one", "*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n", "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, n)
			if err := c.WriteRaw([]byte(tc.in)); err != nil {
				t.Fatal(err)
			}
			if err := c.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, c.Conn); got != tc.want {
				t.Fatalf("unexpected reply; got %q; want %q", got, tc.want)
			}
		})
	}
	// Other clients are still served.
	expect(t, dial(t, n), "+PONG\r\n", "PING")
}
