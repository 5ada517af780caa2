package admin

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/stats"
)

// rawGet sends req on a fresh connection and returns everything the server
// writes before it closes the connection.
func rawGet(t *testing.T, ts *testServer, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", ts.srv.Addr().String())
	if err != nil {
		t.Fatalf("cannot dial: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatalf("cannot write: %v", err)
	}
	raw, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("cannot read reply to %q: %v (got %q)", req, err, raw)
	}
	return string(raw)
}

// TestRawRequestsAsC: C Dynomite answers from the request line alone, so
// scripts send HTTP/1.1 without Host, or no blank line at all.
func TestRawRequestsAsC(t *testing.T) {
	ts := startServer(t)
	for _, tc := range []struct{ req, status, body string }{
		{"GET /ping HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK", "OK\r\n"},
		{"GET /ping HTTP/1.0\r\n", "HTTP/1.1 200 OK", "OK\r\n"},
		{"GET /get_timeout_factor HTTP/1.1\n", "HTTP/1.1 200 OK", "Timeout factor: 1\n"},
		{"GET /state/get_state HTTP/1.1\r\nUser-Agent: x\r\n\r\n", "HTTP/1.1 200 OK", "State: NORMAL\n"},
		{"GET /get_consistency HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 200 OK", "Read Consistency: DC_ONE\r\nWrite Consistency: DC_ONE\r\n"},
		{"GET /ping\r\n\r\n", "HTTP/1.0 400 Bad Request", ""},
		{"GET /ping HTTP/1.1", "HTTP/1.1 200 OK", "OK\r\n"}, // no line end at all
	} {
		start := time.Now()
		raw := rawGet(t, ts, tc.req)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("unexpected wait of %v for the reply to %q", d, tc.req)
		}
		head, body, ok := strings.Cut(raw, "\r\n\r\n")
		if !ok || !strings.HasPrefix(head, tc.status+"\r\n") {
			t.Fatalf("unexpected reply to %q: %q; want status %q", tc.req, raw, tc.status)
		}
		if tc.body != "" && body != tc.body {
			t.Fatalf("unexpected body for %q: %q; want %q", tc.req, body, tc.body)
		}
		if !strings.Contains(head, "\r\nContent-Length: ") {
			t.Fatalf("unexpected reply without Content-Length to %q: %q", tc.req, head)
		}
	}
}

// TestInfoIsCurrent: C Dynomite aggregates when a request wakes its stats
// thread, so /info shows what happened just before it, whatever
// stats_interval is.
func TestInfoIsCurrent(t *testing.T) {
	ts := startServer(t)
	ts.get(t, "/info") // a snapshot now, well inside stats_interval
	ts.st.Add(stats.ClientWriteRequests, 3)
	r := ts.get(t, "/info")
	if !strings.Contains(r.body, "\"client_write_requests\":3,\n") {
		t.Fatalf("unexpected /info without the 3 writes just counted:\n%s", r.body)
	}
}

// TestClusterDescribeNamesAreIPs: a seed given by host name is reported
// with its IP as "name" and the host name as "host", as C Dynomite does.
func TestClusterDescribeNamesAreIPs(t *testing.T) {
	ts := startServer(t)
	ts.node.mu.Lock()
	ts.node.topo.DCs[1].Racks[0].Servers[0].Name = "localhost"
	ts.node.topo.DCs[1].Racks[0].Servers[0].Host = "localhost"
	ts.node.mu.Unlock()
	r := ts.get(t, "/cluster_describe")
	if !strings.Contains(r.body, `{"name":"127.0.0.1","host":"localhost","port":8101,`) {
		t.Fatalf("unexpected /cluster_describe without the seed's IP:\n%s", r.body)
	}
	if !strings.Contains(r.body, `{"name":"10.0.0.2","host":"node2.example",`) {
		t.Fatalf("unexpected /cluster_describe, IP names must stay as they are:\n%s", r.body)
	}
}
