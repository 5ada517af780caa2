package admin

import (
	"io"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/stats"
	"github.com/dynomite-go/dynomite/replica"
)

// TestConcurrentControlAndCounters hammers the state-changing paths and
// /info and /metrics while request-path goroutines bump counters and
// read the node's settings, as connections do. Run it with -race.
func TestConcurrentControlAndCounters(t *testing.T) {
	ts := startServer(t)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	t.Cleanup(client.CloseIdleConnections)

	stop := make(chan struct{})
	var traffic sync.WaitGroup
	var sent [4]atomic.Int64
	for w := 0; w < 4; w++ {
		traffic.Add(1)
		go func(w int) {
			defer traffic.Done()
			sh := ts.st.Shard(w)
			for {
				select {
				case <-stop:
					return
				default:
				}
				// A connection reads the defaults and the state, then counts.
				ts.node.Consistency()
				if ts.node.State().AllowsRead() {
					sh.Inc(stats.ReadRequests)
				}
				sh.Inc(stats.ClientReadRequests)
				sh.Observe(stats.RequestLatency, int64(w+1))
				sent[w].Add(1)
				runtime.Gosched() // leave the (few) cores to the HTTP side too
			}
		}(w)
	}

	paths := []string{
		"/set_consistency/read/dc_quorum", "/set_consistency/read/dc_one",
		"/set_consistency/write/dc_each_safe_quorum", "/set_consistency/write/dc_safe_quorum",
		"/state/standby", "/state/normal", "/state/writes_only", "/state/resuming",
		"/loglevelup", "/logleveldown", "/set_timeout_factor/3", "/historeset",
		"/peer/down/all", "/peer/up/10.0.0.2", "/read_repairs/enable", "/info", "/metrics",
		"/cluster_describe", "/get_consistency", "/state/get_state",
	}
	var admin sync.WaitGroup
	for c := 0; c < 4; c++ {
		admin.Add(1)
		go func(c int) {
			defer admin.Done()
			for i := 0; i < 60; i++ {
				p := paths[(i*7+c)%len(paths)]
				resp, err := client.Get(ts.base + p)
				if err != nil {
					t.Errorf("cannot GET %s: %v", p, err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("unexpected status %d for %s", resp.StatusCode, p)
				}
			}
		}(c)
	}
	admin.Wait()
	close(stop)
	traffic.Wait()

	var total int64
	for i := range sent {
		total += sent[i].Load()
	}
	if got := ts.st.Value(stats.ClientReadRequests); got != total {
		t.Fatalf("unexpected client_read_requests; got %d; want %d", got, total)
	}
	if got := ts.st.Snapshot(time.Now()).Hists[stats.RequestLatency].Count; got != total {
		t.Fatalf("unexpected latency count; got %d; want %d", got, total)
	}
	// The last writes win; the settings stay within their domains.
	if rd, wr := ts.node.Consistency(); rd > replica.DCEachSafeQuorum || wr > replica.DCEachSafeQuorum {
		t.Fatalf("unexpected consistency %v/%v", rd, wr)
	}
	if l := ts.node.LogLevel(); l < 0 || l > 11 {
		t.Fatalf("unexpected log level %d", l)
	}
	// The state ends on one of the states /state can set.
	switch ts.node.State() {
	case Standby, Normal, WritesOnly, Resuming:
	default:
		t.Fatalf("unexpected state %v", ts.node.State())
	}
}
