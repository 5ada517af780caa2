package admin

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/stats"
	"github.com/dynomite-go/dynomite/replica"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("cannot update %s: %v", path, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cannot read golden file: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("unexpected %s; got\n%s\nwant\n%s", name, got, want)
	}
}

func testConfig() stats.Config {
	return stats.Config{
		Pool: "dyn_o_mite", Server: "127.0.0.1:22122:1", Source: "node1.example",
		Version: "v0.6.22", Rack: "rack1", DC: "dc1", Shards: 2,
	}
}

// fixedCounters gives every metric a distinct value: row i gets i+1 (a
// timestamp gets a fixed epoch), so a field swapped in the output shows.
func fixedCounters(r *stats.Registry) {
	for i, d := range stats.Table() {
		m := stats.Metric(i)
		if d.Kind == stats.Timestamp {
			r.SetTimestamp(m, 1700000000000+int64(i))
			continue
		}
		r.Shard(i).Add(m, int64(i+1))
	}
	for g := stats.MemGauge(0); int(g) < stats.NumMem; g++ {
		r.Shard(0).AddMem(g, int64(100+g))
	}
	for h := stats.Hist(0); int(h) < stats.NumHists; h++ {
		for v := int64(1); v <= 100; v++ {
			r.Shard(int(v)).Observe(h, v*int64(h+1))
		}
	}
}

type testServer struct {
	srv  *Server
	node *fakeNode
	st   *stats.Registry
	base string
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	st := stats.New(testConfig())
	node := newFakeNode()
	srv := New("127.0.0.1:0", node, st, nil)
	if err := srv.Start(); err != nil {
		t.Fatalf("cannot start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return &testServer{srv: srv, node: node, st: st, base: "http://" + srv.Addr().String()}
}

type reply struct {
	code        int
	contentType string
	body        string
}

func (ts *testServer) get(t *testing.T, path string) reply {
	t.Helper()
	resp, err := http.Get(ts.base + path)
	if err != nil {
		t.Fatalf("cannot GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("cannot read %s: %v", path, err)
	}
	return reply{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

// expect GETs path and checks status, content type and body.
func (ts *testServer) expect(t *testing.T, path string, code int, contentType, body string) {
	t.Helper()
	r := ts.get(t, path)
	if r.code != code || r.contentType != contentType || r.body != body {
		t.Fatalf("unexpected reply to %s; got %d %q %q; want %d %q %q",
			path, r.code, r.contentType, r.body, code, contentType, body)
	}
}

func TestInfoGolden(t *testing.T) {
	st := stats.New(testConfig())
	fixedCounters(st)
	now := st.Start().Add(90 * time.Second)
	snap := *st.Aggregate(now)
	snap.MaxRSS = 4242
	got := appendInfo(nil, st.Config(), st.Start(), &snap, now)
	golden(t, "info.golden", bytes.ReplaceAll(got, []byte(`"timestamp":`+strconv.FormatInt(now.Unix(), 10)), []byte(`"timestamp":TS`)))
	var v map[string]any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatalf("unexpected invalid JSON: %v\n%s", err, got)
	}
	pool := v["dyn_o_mite"].(map[string]any)
	server := pool["127.0.0.1:22122:1"].(map[string]any)
	if pool["client_eof"].(float64) != 1 || server["redis_req_other"].(float64) != float64(stats.NumMetrics) {
		t.Fatalf("unexpected values; client_eof=%v redis_req_other=%v", pool["client_eof"], server["redis_req_other"])
	}
}

var volatileFields = regexp.MustCompile(`"(uptime|timestamp|dyn_memory|stats_count)":[0-9]+`)

func normalize(b []byte) []byte { return volatileFields.ReplaceAll(b, []byte(`"$1":N`)) }

func TestInfoOverHTTP(t *testing.T) {
	ts := startServer(t)
	fixedCounters(ts.st)
	ts.st.Aggregate(time.Now())
	r := ts.get(t, "/info")
	if r.code != 200 || r.contentType != contentJSON {
		t.Fatalf("unexpected /info reply %d %q", r.code, r.contentType)
	}
	golden(t, "info_http.golden", normalize([]byte(r.body)))
	if r2 := ts.get(t, "/"); r2.contentType != contentJSON || string(normalize([]byte(r2.body))) != string(normalize([]byte(r.body))) {
		t.Fatalf("unexpected / reply; want the /info body; got %q", r2.body)
	}
}

func TestClusterDescribeGolden(t *testing.T) {
	ts := startServer(t)
	r := ts.get(t, "/cluster_describe")
	if r.code != 200 || r.contentType != contentJSON {
		t.Fatalf("unexpected reply %d %q", r.code, r.contentType)
	}
	golden(t, "cluster_describe.golden", []byte(r.body))
	var v struct {
		DCs []struct {
			Name  string
			Racks []struct {
				Name    string
				Servers []struct {
					Name, Host string
					Port       int
					Token      uint32
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("unexpected invalid JSON: %v", err)
	}
	if len(v.DCs) != 2 || v.DCs[0].Racks[0].Servers[1].Token != 2147483648 {
		t.Fatalf("unexpected parsed topology %+v", v)
	}
	if got := appendClusterDescribe(nil, Topology{}); string(got) != "{\"dcs\": []}\n" {
		t.Fatalf("unexpected empty topology; got %q", got)
	}
}

func TestHelpGolden(t *testing.T) {
	ts := startServer(t)
	r := ts.get(t, "/help")
	if r.code != 200 || r.contentType != contentText {
		t.Fatalf("unexpected reply %d %q", r.code, r.contentType)
	}
	golden(t, "help.golden", []byte(r.body))
}

func TestSetConsistency(t *testing.T) {
	ts := startServer(t)
	ts.expect(t, "/get_consistency", 200, contentText, "Read Consistency: DC_ONE\r\nWrite Consistency: DC_ONE\r\n")
	ts.expect(t, "/set_consistency/read/dc_quorum", 200, contentText, "OK\r\n")
	ts.expect(t, "/set_consistency/write/DC_Each_Safe_Quorum", 200, contentText, "OK\r\n")
	if rd, wr := ts.node.Consistency(); rd != replica.DCQuorum || wr != replica.DCEachSafeQuorum {
		t.Fatalf("unexpected node consistency; got %v/%v; want DC_QUORUM/DC_EACH_SAFE_QUORUM", rd, wr)
	}
	ts.expect(t, "/get_consistency", 200, contentText, "Read Consistency: DC_QUORUM\r\nWrite Consistency: DC_EACH_SAFE_QUORUM\r\n")
	ts.expect(t, "/set_consistency/read/dc_two", 400, contentText,
		"ERR invalid consistency level \"dc_two\"; want dc_one, dc_quorum, dc_safe_quorum or dc_each_safe_quorum\r\n")
	ts.expect(t, "/set_consistency/both/dc_one", 400, contentText,
		"ERR unknown consistency operation \"both\"; want read or write\r\n")
	if rd, _ := ts.node.Consistency(); rd != replica.DCQuorum {
		t.Fatalf("unexpected read level after invalid request; got %v", rd)
	}
}

func TestStateTransitions(t *testing.T) {
	ts := startServer(t)
	ts.expect(t, "/state/get_state", 200, contentText, "State: NORMAL\n")
	ts.expect(t, "/state/standby", 200, contentText, "OK\r\n")
	if s := ts.node.State(); s != Standby || s.AllowsRead() || s.AllowsWrite() {
		t.Fatalf("unexpected state after /state/standby; got %v", s)
	}
	ts.expect(t, "/state/get_state", 200, contentText, "State: STANDBY\n")
	ts.expect(t, "/state/writes_only", 200, contentText, "OK\r\n")
	if s := ts.node.State(); s != WritesOnly || s.AllowsRead() || !s.AllowsWrite() {
		t.Fatalf("unexpected state after /state/writes_only; got %v", s)
	}
	ts.expect(t, "/state/resuming", 200, contentText, "OK\r\n")
	ts.expect(t, "/state/get_state", 200, contentText, "State: RESUMING\n")
	ts.expect(t, "/state/normal", 200, contentText, "OK\r\n")
	if s := ts.node.State(); s != Normal || !s.AllowsRead() || !s.AllowsWrite() {
		t.Fatalf("unexpected state after /state/normal; got %v", s)
	}
	ts.expect(t, "/state/joining", 400, contentText,
		"ERR unknown state \"joining\"; want get_state, standby, writes_only, resuming or normal\r\n")
}

func TestStateNames(t *testing.T) {
	f := func(s State, want string) {
		t.Helper()
		if s.String() != want {
			t.Fatalf("unexpected name of %d; got %q; want %q", s, s.String(), want)
		}
	}
	f(Init, "INIT")
	f(WritesOnly, "WRITES_ONLY")
	f(Joining, "JOINING")
	f(Reset, "RESET")
	f(Unknown, "Unknown")
	f(State(5), "INVALID STATE")
	if Reset != 11 || Unknown != 12 || Down != 8 || Joining != 7 {
		t.Fatalf("unexpected state values")
	}
}
