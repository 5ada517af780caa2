package admin

import (
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/engine/stats"
)

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
