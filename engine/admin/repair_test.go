package admin

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/stats"
)

// repairNode is a fakeNode that also runs (pretend) repairs: a run stays
// in progress until the test calls finish.
type repairNode struct {
	*fakeNode
	mu   sync.Mutex
	st   RepairStatus
	jobs []RepairJob
}

func (n *repairNode) StartRepair(j RepairJob) (RepairStatus, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.st.State == RepairRunning {
		return n.st, ErrRepairRunning
	}
	n.jobs = append(n.jobs, j)
	n.st = RepairStatus{ID: n.st.ID + 1, Job: j, State: RepairRunning, Total: 10, Started: time.Now()}
	return n.st, nil
}

func (n *repairNode) RepairStatus() RepairStatus {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.st
}

func (n *repairNode) finish() {
	n.mu.Lock()
	n.st.State, n.st.Scanned, n.st.Copied = RepairDone, 10, 5
	n.mu.Unlock()
}

func startServerWith(t *testing.T, node Node) *testServer {
	t.Helper()
	st := stats.New(testConfig())
	srv := New("127.0.0.1:0", node, st, nil)
	if err := srv.Start(); err != nil {
		t.Fatalf("cannot start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return &testServer{srv: srv, st: st, base: "http://" + srv.Addr().String()}
}

func decodeStatus(t *testing.T, r reply) RepairStatus {
	t.Helper()
	var st RepairStatus
	if r.contentType != contentJSON {
		t.Fatalf("unexpected content type %q of %q", r.contentType, r.body)
	}
	if err := json.Unmarshal([]byte(r.body), &st); err != nil {
		t.Fatalf("cannot decode %q: %v", r.body, err)
	}
	return st
}

func TestRepairNotImplemented(t *testing.T) {
	ts := startServer(t)
	for _, p := range []string{"/repair/status", "/repair/warm?source=127.0.0.1:1", "/repair/compare?source=127.0.0.1:1"} {
		ts.expect(t, p, 501, contentText, "ERR this node does not run repairs\r\n")
	}
	ts.expect(t, "/repair", 200, contentText, repairHelp)
}

func TestRepairPaths(t *testing.T) {
	node := &repairNode{fakeNode: newFakeNode()}
	ts := startServerWith(t, node)
	if st := decodeStatus(t, ts.get(t, "/repair/status")); st.State != RepairIdle || st.ID != 0 {
		t.Fatalf("unexpected status before any run: %+v", st)
	}
	for _, tc := range []struct{ path, body string }{
		{"/repair/warm", "ERR missing source=<host:port> (the peer's datastore)\r\n"},
		{"/repair/warm?source=nope", "ERR invalid source \"nope\"; want host:port\r\n"},
		{"/repair/warm?source=h:1&rate=-3", "ERR invalid rate \"-3\"; want keys per second, 0 or more\r\n"},
		{"/repair/warm?source=h:1&repair=1", "ERR repair=1 applies to /repair/compare only\r\n"},
		{"/repair/compare?source=h:1&repair=yes", "ERR invalid repair \"yes\"; want 1 or 0\r\n"},
	} {
		ts.expect(t, tc.path, 400, contentText, tc.body)
	}
	r := ts.get(t, "/repair/compare?source=10.0.0.3:22122&repair=1&rate=500")
	st := decodeStatus(t, r)
	want := RepairJob{Mode: RepairCompare, Source: "10.0.0.3:22122", Fix: true, Rate: 500}
	if r.code != 202 || st.ID != 1 || st.State != RepairRunning || st.Job != want {
		t.Fatalf("unexpected start: %d %+v", r.code, st)
	}
	ts.expect(t, "/repair/warm?source=10.0.0.3:22122", 409, contentText,
		"ERR a repair is already running; see /repair/status\r\n")
	if len(node.jobs) != 1 || node.jobs[0] != want {
		t.Fatalf("unexpected jobs %+v", node.jobs)
	}
	node.finish()
	st = decodeStatus(t, ts.get(t, "/repair/status"))
	if st.State != RepairDone || st.Scanned != 10 || st.Copied != 5 || st.Job != want {
		t.Fatalf("unexpected status after the run: %+v", st)
	}
	r = ts.get(t, "/repair/warm?source=10.0.0.3:22122")
	if st = decodeStatus(t, r); r.code != 202 || st.ID != 2 || st.Job.Mode != RepairWarm || st.Job.Fix {
		t.Fatalf("unexpected second start: %d %+v", r.code, st)
	}
}

func TestRepairStatusJSON(t *testing.T) {
	in := RepairStatus{
		ID: 3, Job: RepairJob{Mode: RepairWarm, Source: "h:1", Rate: 9}, State: RepairFailed,
		Scanned: 1, Total: 2, Copied: 3, Compared: 4, MissingHere: 5, MissingThere: 6, Differs: 7, Repaired: 8,
		Rate: 12.5, ETA: 1500 * time.Millisecond, Started: time.Unix(1700000000, 0).UTC(),
		Elapsed: 2 * time.Second, Err: "boom",
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out RepairStatus
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Fatalf("unexpected round trip of %s; got %+v, %v; want %+v", b, out, err, in)
	}
	if err := json.Unmarshal([]byte(`{"state":"bogus"}`), &out); err != nil || out.State <= RepairFailed {
		t.Fatalf("unexpected decoding of an unknown state: %+v, %v", out, err)
	}
}
