package admin

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/stats"
)

func TestTimeoutFactor(t *testing.T) {
	ts := startServer(t)
	ts.expect(t, "/get_timeout_factor", 200, contentText, "Timeout factor: 1\n")
	ts.expect(t, "/set_timeout_factor/4", 200, contentText, "OK\r\n")
	ts.expect(t, "/get_timeout_factor", 200, contentText, "Timeout factor: 4\n")
	ts.expect(t, "/set_timeout_factor/99", 200, contentText, "OK\r\n")
	ts.expect(t, "/get_timeout_factor", 200, contentText, "Timeout factor: 10\n")
	ts.expect(t, "/set_timeout_factor/-3", 200, contentText, "OK\r\n")
	ts.expect(t, "/get_timeout_factor", 200, contentText, "Timeout factor: 1\n")
	ts.expect(t, "/set_timeout_factor/x", 400, contentText, "ERR invalid timeout factor \"x\"; want a decimal number\r\n")
}

func TestLogLevel(t *testing.T) {
	ts := startServer(t)
	f := func(path string, want int) {
		t.Helper()
		ts.expect(t, path, 200, contentText, "OK\r\n")
		if got := ts.node.LogLevel(); got != want {
			t.Fatalf("unexpected log level after %s; got %d; want %d", path, got, want)
		}
	}
	f("/loglevelup", 6)
	f("/logleveldown", 5)
	f("/setloglevel/11", 11)
	f("/loglevelup", 11)
	f("/setloglevel/42", 11)
	f("/setloglevel/0", 0)
	f("/logleveldown", 0)
	ts.expect(t, "/setloglevel/high", 400, contentText, "ERR invalid log level \"high\"; want a decimal number\r\n")
}

func TestPeerState(t *testing.T) {
	ts := startServer(t)
	ts.expect(t, "/peer/down/10.0.0.2", 200, contentText, "OK\r\n")
	if s := ts.node.peerState("10.0.0.2"); s != Down {
		t.Fatalf("unexpected peer state; got %v; want DOWN", s)
	}
	ts.expect(t, "/peer/up/node2.example", 200, contentText, "OK\r\n")
	if s := ts.node.peerState("10.0.0.2"); s != Normal {
		t.Fatalf("unexpected peer state; got %v; want NORMAL", s)
	}
	ts.expect(t, "/peer/reset/all", 200, contentText, "OK\r\n")
	for _, p := range []string{"10.0.0.2", "10.0.0.3", "10.1.0.1"} {
		if s := ts.node.peerState(p); s != Reset {
			t.Fatalf("unexpected state of %s after reset/all; got %v; want RESET", p, s)
		}
	}
	if s := ts.node.peerState("10.0.0.1"); s != Normal {
		t.Fatalf("unexpected local node state after reset/all; got %v; want NORMAL (never changed)", s)
	}
	ts.expect(t, "/peer/down/10.9.9.9", 404, contentText, "ERR no peer named \"10.9.9.9\"\r\n")
	ts.expect(t, "/peer/sideways/10.0.0.2", 400, contentText,
		"ERR unknown peer operation \"sideways\"; want up, down or reset\r\n")
}

func TestReadRepairs(t *testing.T) {
	ts := startServer(t)
	ts.expect(t, "/read_repairs/enable", 200, contentText, "Read Repairs: ENABLED\r\n")
	if !ts.node.ReadRepairs() {
		t.Fatalf("unexpected read repairs disabled after enable")
	}
	ts.expect(t, "/read_repairs/disable", 200, contentText, "Read Repairs: DISABLED\r\n")
	if ts.node.ReadRepairs() {
		t.Fatalf("unexpected read repairs enabled after disable")
	}
	ts.expect(t, "/read_repairs/maybe", 400, contentText,
		"ERR unknown read repair operation \"maybe\"; want enable or disable\r\n")
}

func TestMiscPaths(t *testing.T) {
	ts := startServer(t)
	ts.expect(t, "/ping", 200, contentText, "OK\r\n")
	ts.expect(t, "/historeset", 200, contentText, "OK\r\n")
	ts.expect(t, "/nope", 200, contentText, "OK\r\n")
	resp, err := httpPost(ts.base + "/ping")
	if err != nil {
		t.Fatalf("cannot POST: %v", err)
	}
	if resp != 405 {
		t.Fatalf("unexpected POST status; got %d; want 405", resp)
	}
	// Every request is counted in stats_count, which C never updates.
	if got := ts.st.Value(stats.StatsCount); got != 4 {
		t.Fatalf("unexpected stats_count; got %d; want 4", got)
	}
}

func TestHistoResetAppliesAtNextAggregation(t *testing.T) {
	ts := startServer(t)
	ts.st.Shard(0).Observe(stats.RequestLatency, 900)
	ts.expect(t, "/historeset", 200, contentText, "OK\r\n")
	snap := ts.st.Aggregate(ts.st.Start())
	if w := snap.Hists[stats.RequestLatency].Window; w.Count != 0 {
		t.Fatalf("unexpected window after /historeset; got %+v; want empty", w)
	}
}

// TestRawHTTP10 speaks HTTP/1.0 over a plain socket, as C-era scripts
// (and C Dynomite's own parser) do, and checks the reply's framing: CRLF
// header lines, a Content-Length, the text content type, the close.
func TestRawHTTP10(t *testing.T) {
	ts := startServer(t)
	c, err := net.Dial("tcp", ts.srv.Addr().String())
	if err != nil {
		t.Fatalf("cannot dial: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("GET /ping HTTP/1.0\r\n\r\n")); err != nil {
		t.Fatalf("cannot write: %v", err)
	}
	raw, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("cannot read: %v", err)
	}
	head, body, ok := strings.Cut(string(raw), "\r\n\r\n")
	if !ok || body != "OK\r\n" {
		t.Fatalf("unexpected reply %q", raw)
	}
	lines := strings.Split(head, "\r\n")
	if lines[0] != "HTTP/1.0 200 OK" {
		t.Fatalf("unexpected status line %q", lines[0])
	}
	want := map[string]bool{"Content-Length: 4": false, "Content-Type: text/plain; charset=utf-8": false}
	for _, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("unexpected bare line break in header line %q", l)
		}
		if _, ok := want[l]; ok {
			want[l] = true
		}
	}
	for l, seen := range want {
		if !seen {
			t.Fatalf("unexpected header block without %q:\n%s", l, head)
		}
	}
}
