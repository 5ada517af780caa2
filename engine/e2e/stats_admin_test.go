package e2e

// Black-box tests of the stats/admin endpoint (stats_listen) of a running
// node: /info's shape and counters, /metrics, consistency defaults, node
// state gating and the HTTP framing.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// statsNode starts redis and a node whose /info is refreshed every 100 ms.
func statsNode(t *testing.T, extra map[string]string) (node, redis *enginetest.Proc) {
	t.Helper()
	return enginetest.Proxy(t, func(c *enginetest.NodeConfig) {
		c.Extra = map[string]string{"stats_interval": "100"}
		for k, v := range extra {
			c.Extra[k] = v
		}
	})
}

// httpGet fetches path from the node's stats endpoint and returns the
// status, the content type and the body.
func httpGet(t *testing.T, node *enginetest.Proc, path string) (int, string, string) {
	t.Helper()
	cl := &http.Client{Timeout: 10 * time.Second}
	resp, err := cl.Get("http://" + node.StatsAddr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: cannot read the body: %v", path, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// httpOK fetches path and fails unless the body is want.
func httpOK(t *testing.T, node *enginetest.Proc, path, want string) {
	t.Helper()
	code, _, body := httpGet(t, node, path)
	if code != http.StatusOK || body != want {
		t.Fatalf("unexpected answer to %s; got %d %q; want 200 %q", path, code, body, want)
	}
}

// info is a parsed /info: the top level, the pool object and the
// datastore object inside it.
type info struct {
	top, pool, server map[string]any
}

func getInfo(t *testing.T, node, redis *enginetest.Proc) info {
	t.Helper()
	code, ctype, body := httpGet(t, node, "/info")
	if code != http.StatusOK || !strings.HasPrefix(ctype, "application/json") {
		t.Fatalf("unexpected /info answer; got %d %q; want 200 application/json", code, ctype)
	}
	var in info
	if err := json.Unmarshal([]byte(body), &in.top); err != nil {
		t.Fatalf("/info is not JSON: %v\n%s", err, body)
	}
	var ok bool
	if in.pool, ok = in.top["dyn_o_mite"].(map[string]any); !ok {
		t.Fatalf("/info has no object for the pool dyn_o_mite:\n%s", body)
	}
	if in.server, ok = in.pool[redis.Addr].(map[string]any); !ok {
		t.Fatalf("/info's pool object has no object for the datastore %s:\n%s", redis.Addr, body)
	}
	return in
}

// num returns a numeric field of obj.
func num(t *testing.T, obj map[string]any, key string) int64 {
	t.Helper()
	v, ok := obj[key].(float64)
	if !ok {
		t.Fatalf("field %q is missing or not a number (%v)", key, obj[key])
	}
	return int64(v)
}

func TestStatsInfoShape(t *testing.T) {
	node, redis := statsNode(t, nil)
	in := getInfo(t, node, redis)
	for key, want := range map[string]string{"service": "dynomite", "rack": "rack1", "dc": "dc1"} {
		if got, _ := in.top[key].(string); got != want {
			t.Fatalf("unexpected /info %s; got %q; want %q", key, got, want)
		}
	}
	for _, key := range []string{"source", "version"} {
		if s, _ := in.top[key].(string); s == "" {
			t.Fatalf("/info %s is empty", key)
		}
	}
	for _, key := range []string{"uptime", "timestamp", "latency_99th", "payload_size_mean", "99_server_latency", "dyn_memory"} {
		num(t, in.top, key)
	}
	for _, key := range []string{"client_connections", "client_read_requests", "server_ejects", "peer_requests", "stats_count"} {
		num(t, in.pool, key)
	}
	for _, key := range []string{"server_eof", "read_requests", "write_response_bytes", "in_queue", "redis_req_get", "redis_req_other"} {
		num(t, in.server, key)
	}
}

// waitInfo polls /info until check passes or 5 s have gone by, and
// returns the last /info seen.
func waitInfo(t *testing.T, node, redis *enginetest.Proc, check func(info) bool) info {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		in := getInfo(t, node, redis)
		if check(in) || time.Now().After(deadline) {
			return in
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStatsCountersMove(t *testing.T) {
	node, redis := statsNode(t, nil)
	const gets, sets = 100, 40
	c := enginetest.DialTB(t, node.Addr)
	before := waitInfo(t, node, redis, func(in info) bool { return num(t, in.pool, "client_connections") == 1 })
	if got := num(t, before.pool, "client_connections"); got != 1 {
		t.Fatalf("unexpected client_connections with one client; got %d; want 1", got)
	}
	for i := 0; i < sets; i++ {
		r, err := c.Do("SET", fmt.Sprintf("stats:%d", i), "value")
		replyIs(t, "SET", r, err, "+OK\r\n")
	}
	for i := 0; i < gets; i++ {
		r, err := c.Do("GET", fmt.Sprintf("stats:%d", i%sets))
		replyIs(t, "GET", r, err, "$5\r\nvalue\r\n")
	}
	r, err := c.Do("PING")
	replyIs(t, "PING", r, err, "+PONG\r\n")

	pool := map[string]int64{"client_read_requests": gets, "client_write_requests": sets}
	server := map[string]int64{
		"read_requests": gets + 1, "write_requests": sets, // PING goes to the datastore as a read
		"read_responses": gets + 1, "write_responses": sets,
		"redis_req_get": gets, "redis_req_set": sets, "redis_req_ping": 1,
		"redis_req_other": 0, "in_queue": 0, "out_queue": 0, "server_eof": 0,
	}
	moved := func(in info) bool {
		for k, d := range pool {
			if num(t, in.pool, k)-num(t, before.pool, k) != d {
				return false
			}
		}
		for k, d := range server {
			if k == "in_queue" || k == "out_queue" {
				if num(t, in.server, k) != 0 {
					return false
				}
				continue
			}
			if num(t, in.server, k)-num(t, before.server, k) != d {
				return false
			}
		}
		return true
	}
	after := waitInfo(t, node, redis, moved)
	time.Sleep(250 * time.Millisecond) // a later snapshot must not count more
	after = getInfo(t, node, redis)
	for k, d := range pool {
		if got := num(t, after.pool, k) - num(t, before.pool, k); got != d {
			t.Errorf("unexpected change of %s; got %+d; want %+d", k, got, d)
		}
	}
	for k, d := range server {
		got := num(t, after.server, k) - num(t, before.server, k)
		if k == "in_queue" || k == "out_queue" {
			got = num(t, after.server, k)
		}
		if got != d {
			t.Errorf("unexpected change of %s; got %+d; want %+d", k, got, d)
		}
	}
	// Bytes: the SET frames as sent, and one +OK per SET.
	var setBytes int64
	for i := 0; i < sets; i++ {
		setBytes += int64(len(enginetest.AppendCommand(nil, enginetest.Args("SET", fmt.Sprintf("stats:%d", i), "value")...)))
	}
	if got := num(t, after.server, "write_request_bytes") - num(t, before.server, "write_request_bytes"); got != setBytes {
		t.Errorf("unexpected change of write_request_bytes; got %d; want %d", got, setBytes)
	}
	if got := num(t, after.server, "write_response_bytes") - num(t, before.server, "write_response_bytes"); got != 5*sets {
		t.Errorf("unexpected change of write_response_bytes; got %d; want %d", got, 5*sets)
	}
	if num(t, after.top, "latency_max") <= 0 || num(t, after.top, "payload_size_max") <= 0 {
		t.Errorf("latency and payload histograms did not move: latency_max %d, payload_size_max %d",
			num(t, after.top, "latency_max"), num(t, after.top, "payload_size_max"))
	}

	// The client leaves: the gauge goes back, the EOF is counted.
	eof := num(t, after.pool, "client_eof")
	c.Close()
	gone := waitInfo(t, node, redis, func(in info) bool {
		return num(t, in.pool, "client_connections") == 0 && num(t, in.pool, "client_eof") == eof+1
	})
	if got := num(t, gone.pool, "client_connections"); got != 0 {
		t.Errorf("unexpected client_connections after the client left; got %d; want 0", got)
	}
	if got := num(t, gone.pool, "client_eof") - eof; got != 1 {
		t.Errorf("unexpected change of client_eof; got %+d; want +1", got)
	}
}

func TestStatsMetricsParse(t *testing.T) {
	node, redis := statsNode(t, nil)
	c := enginetest.DialTB(t, node.Addr)
	for i := 0; i < 10; i++ {
		r, err := c.Do("GET", "metrics:k")
		replyIs(t, "GET", r, err, "$-1\r\n")
	}
	code, ctype, body := httpGet(t, node, "/metrics")
	if code != http.StatusOK || !strings.HasPrefix(ctype, "text/plain") {
		t.Fatalf("unexpected /metrics answer; got %d %q", code, ctype)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	f, ok := fams["dynomite_read_requests_total"]
	if !ok {
		t.Fatalf("/metrics has no dynomite_read_requests_total")
	}
	var total float64
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["pool"] != "dyn_o_mite" || labels["server"] != redis.Addr {
			t.Fatalf("unexpected labels of dynomite_read_requests_total: %v", labels)
		}
		total += m.GetCounter().GetValue()
	}
	if total < 10 {
		t.Fatalf("unexpected dynomite_read_requests_total; got %v; want at least 10", total)
	}
}

func TestStatsSetConsistency(t *testing.T) {
	node, _ := statsNode(t, map[string]string{"read_consistency": "dc_safe_quorum"})
	httpOK(t, node, "/get_consistency", "Read Consistency: DC_SAFE_QUORUM\r\nWrite Consistency: DC_ONE\r\n")
	old := enginetest.DialTB(t, node.Addr)
	r, err := old.Do("SET", "cons:k", "1")
	replyIs(t, "SET before the change", r, err, "+OK\r\n")

	httpOK(t, node, "/set_consistency/read/dc_quorum", "OK\r\n")
	httpOK(t, node, "/set_consistency/write/DC_EACH_SAFE_QUORUM", "OK\r\n")
	httpOK(t, node, "/get_consistency", "Read Consistency: DC_QUORUM\r\nWrite Consistency: DC_EACH_SAFE_QUORUM\r\n")
	if code, _, _ := httpGet(t, node, "/set_consistency/read/dc_two"); code != http.StatusBadRequest {
		t.Fatalf("unexpected status of an invalid level; got %d; want 400", code)
	}

	// One node: every level is served by the local datastore, on the
	// connection opened before the change and on a new one.
	r, err = old.Do("GET", "cons:k")
	replyIs(t, "GET on the old connection", r, err, "$1\r\n1\r\n")
	c := enginetest.DialTB(t, node.Addr)
	r, err = c.Do("GET", "cons:k")
	replyIs(t, "GET on a new connection", r, err, "$1\r\n1\r\n")
	r, err = c.Do("dyno_config:conn_consistency", "dc_one")
	replyIs(t, "conn_consistency", r, err, "+OK\r\n")
	r, err = c.Do("SET", "cons:k", "2")
	replyIs(t, "SET after conn_consistency", r, err, "+OK\r\n")
}

func TestStatsStateGating(t *testing.T) {
	const rejected = "-ERR Dynomite: Dynomite's current state does not allow this request\r\n"
	node, _ := statsNode(t, nil)
	c := enginetest.DialTB(t, node.Addr)
	r, err := c.Do("SET", "state:k", "v")
	replyIs(t, "SET in NORMAL", r, err, "+OK\r\n")
	httpOK(t, node, "/state/get_state", "State: NORMAL\n")

	httpOK(t, node, "/state/standby", "OK\r\n")
	httpOK(t, node, "/state/get_state", "State: STANDBY\n")
	r, err = c.Do("GET", "state:k")
	replyIs(t, "GET in STANDBY", r, err, rejected)
	r, err = c.Do("SET", "state:k", "w")
	replyIs(t, "SET in STANDBY", r, err, rejected)

	httpOK(t, node, "/state/writes_only", "OK\r\n")
	r, err = c.Do("GET", "state:k")
	replyIs(t, "GET in WRITES_ONLY", r, err, rejected)
	r, err = c.Do("SET", "state:k", "w")
	replyIs(t, "SET in WRITES_ONLY", r, err, "+OK\r\n")

	httpOK(t, node, "/state/resuming", "OK\r\n")
	r, err = c.Do("GET", "state:k")
	replyIs(t, "GET in RESUMING", r, err, rejected)
	r, err = c.Do("INCR", "state:n")
	replyIs(t, "INCR in RESUMING", r, err, ":1\r\n")

	httpOK(t, node, "/state/normal", "OK\r\n")
	r, err = c.Do("GET", "state:k")
	replyIs(t, "GET back in NORMAL", r, err, "$1\r\nw\r\n")
	// A new connection is served too.
	r, err = enginetest.DialTB(t, node.Addr).Do("GET", "state:k")
	replyIs(t, "GET on a new connection", r, err, "$1\r\nw\r\n")
}

// TestStatsHTTPFraming reads raw responses: CRLF line ends in the header,
// the right content types, exact bodies.
func TestStatsHTTPFraming(t *testing.T) {
	node, _ := statsNode(t, nil)
	for _, tc := range []struct{ path, ctype, body string }{
		{"/ping", "text/plain; charset=utf-8", "OK\r\n"},
		{"/get_timeout_factor", "text/plain; charset=utf-8", "Timeout factor: 1\n"},
		{"/info", "application/json; charset=utf-8", ""},
		{"/cluster_describe", "application/json; charset=utf-8", ""},
	} {
		head, body := rawGet(t, node.StatsAddr, tc.path)
		if !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\n") {
			t.Fatalf("%s: unexpected status line in %q", tc.path, head)
		}
		if i := strings.Index(strings.ReplaceAll(head, "\r\n", ""), "\n"); i >= 0 {
			t.Fatalf("%s: bare LF in the header %q", tc.path, head)
		}
		if !strings.Contains(head, "\r\nContent-Type: "+tc.ctype+"\r\n") {
			t.Fatalf("%s: unexpected content type in %q; want %s", tc.path, head, tc.ctype)
		}
		if tc.body != "" && body != tc.body {
			t.Fatalf("%s: unexpected body; got %q; want %q", tc.path, body, tc.body)
		}
		if tc.ctype != "application/json; charset=utf-8" {
			continue
		}
		if !json.Valid([]byte(body)) {
			t.Fatalf("%s: body is not JSON: %q", tc.path, body)
		}
	}
	httpOK(t, node, "/set_timeout_factor/4", "OK\r\n")
	httpOK(t, node, "/get_timeout_factor", "Timeout factor: 4\n")
	_, body := rawGet(t, node.StatsAddr, "/cluster_describe")
	var cd struct {
		DCs []struct {
			Name  string
			Racks []struct {
				Name    string
				Servers []struct{ Port int }
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &cd); err != nil || len(cd.DCs) != 1 || cd.DCs[0].Name != "dc1" ||
		len(cd.DCs[0].Racks) != 1 || cd.DCs[0].Racks[0].Name != "rack1" || len(cd.DCs[0].Racks[0].Servers) != 1 {
		t.Fatalf("unexpected /cluster_describe of a single node: %s (%v)", body, err)
	}
}

// rawGet sends one HTTP/1.1 GET by hand and returns the header block
// (up to and including the blank line) and the body.
func rawGet(t *testing.T, addr, path string) (head, body string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr)
	all, err := io.ReadAll(bufio.NewReader(conn))
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	i := bytes.Index(all, []byte("\r\n\r\n"))
	if i < 0 {
		t.Fatalf("GET %s: no end of header in %q", path, all)
	}
	return string(all[:i+4]), string(all[i+4:])
}

// TestStatsPortBusy: as C Dynomite, a node whose stats_listen cannot be
// bound does not start.
func TestStatsPortBusy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	bin, err := enginetest.Build()
	if err != nil {
		t.Fatal(err)
	}
	redis := enginetest.Redis(t)
	cfg, err := enginetest.SingleNode(redis)
	if err != nil {
		t.Fatal(err)
	}
	cfg.StatsListen = ln.Addr().String()
	p, err := enginetest.StartNode(bin, cfg)
	if err == nil {
		p.Close()
		t.Fatalf("node started although its stats port %s is taken", cfg.StatsListen)
	}
	if !strings.Contains(err.Error(), "cannot listen for stats on "+cfg.StatsListen) {
		t.Fatalf("unexpected start failure; got %v; want a message naming the stats address", err)
	}
}
