package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// Stats of a 2-rack cluster of dynomite processes (one node per rack,
// DC_ONE), read over HTTP: a write through node 0 is sent to node 1 as a
// swallowed copy, and node 0's peer counters in /info move by exactly what
// was sent; a killed peer shows DOWN in /metrics, and NORMAL once it is
// back.

func twoRackCluster(t *testing.T) *cluster {
	t.Helper()
	members := []enginetest.Member{{DC: "dc1", Rack: "rack1", Tokens: "0"}, {DC: "dc1", Rack: "rack2", Tokens: "0"}}
	base := enginetest.NodeConfig{Extra: map[string]string{"stats_interval": "100"}}
	return startCluster(t, members, base, nil, enginetest.ClusterOptions{})
}

// respSize is the length of the RESP frame of args.
func respSize(args ...string) int64 {
	n := len(fmt.Sprintf("*%d\r\n", len(args)))
	for _, a := range args {
		n += len(fmt.Sprintf("$%d\r\n%s\r\n", len(a), a))
	}
	return int64(n)
}

// quietInfo returns node's /info once the traffic of the cluster start
// (mesh probes, their replies, the probes of the other nodes) is counted:
// two reads a few stats intervals apart agree.
func quietInfo(t *testing.T, node, store *enginetest.Proc) info {
	t.Helper()
	keys := []string{"client_write_requests", "peer_requests", "peer_responses", "dnode_client_connections"}
	prev := getInfo(t, node, store)
	for i := 0; i < 50; i++ {
		time.Sleep(300 * time.Millisecond)
		in := getInfo(t, node, store)
		same := num(t, in.server, "write_requests") == num(t, prev.server, "write_requests")
		for _, k := range keys {
			same = same && num(t, in.pool, k) == num(t, prev.pool, k)
		}
		if same {
			return in
		}
		prev = in
	}
	t.Fatalf("/info of %s never settled", node)
	return prev
}

func TestStatsClusterPeerCounters(t *testing.T) {
	cl := twoRackCluster(t)
	n0 := cl.nodes[0]
	before := quietInfo(t, n0.Node, n0.Store)
	c := cl.client(0)
	const sets = 30
	var bytes int64
	for i := 0; i < sets; i++ {
		args := []string{"SET", fmt.Sprint("pc:", i), fmt.Sprint("v", i)}
		replyIs(t, "SET", do(t, "SET", c, 5*time.Second, args...), nil, "+OK\r\n")
		bytes += respSize(args...)
	}
	pool := func(in info, key string) int64 { return num(t, in.pool, key) - num(t, before.pool, key) }
	after := waitInfo(t, n0.Node, n0.Store, func(in info) bool {
		return pool(in, "peer_responses") == sets && num(t, in.pool, "peer_out_queue") == 0
	})
	for key, want := range map[string]int64{
		"client_write_requests": sets,
		"peer_requests":         sets,
		"peer_request_bytes":    bytes,
		"peer_responses":        sets,
		"peer_response_bytes":   sets * int64(len("+OK\r\n")),
		"peer_dropped_requests": 0,
		"peer_eof":              0,
	} {
		if got := pool(after, key); got != want {
			t.Errorf("node 0 /info %s moved by %d; want %d", key, got, want)
		}
	}
	if got := num(t, after.server, "write_requests") - num(t, before.server, "write_requests"); got != sets {
		t.Errorf("node 0 /info write_requests moved by %d; want %d (the local copies)", got, sets)
	}
	for key, want := range map[string]int64{"peer_connections": 1, "dnode_client_connections": 1, "peer_in_queue": 0} {
		if got := num(t, after.pool, key); got != want {
			t.Errorf("node 0 /info %s is %d; want %d", key, got, want)
		}
	}
	if num(t, after.top, "average_cross_zone_latency") <= 0 {
		t.Errorf("node 0 /info average_cross_zone_latency is not positive")
	}
	if num(t, after.top, "client_out_queue_99") < 1 {
		t.Errorf("node 0 /info client_out_queue_99 < 1 after %d requests", sets)
	}
	am, fm := num(t, after.top, "alloc_msgs"), num(t, after.top, "free_msgs")
	ab, fb := num(t, after.top, "alloc_mbufs"), num(t, after.top, "free_mbufs")
	if am < 1 || fm < 0 || fm > am || ab < 1 || fb < 0 || fb > ab {
		t.Errorf("node 0 /info pools: alloc_msgs %d free_msgs %d alloc_mbufs %d free_mbufs %d; want 0 <= free <= alloc, alloc >= 1", am, fm, ab, fb)
	}
}

// metricPeerState returns dynomite_peer_state of the member in rack as
// node's /metrics shows it.
func metricPeerState(t *testing.T, node *enginetest.Proc, rack string) string {
	t.Helper()
	code, _, body := httpGet(t, node, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", code)
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "dynomite_peer_state{") && strings.Contains(line, `rack="`+rack+`"`) {
			return line[strings.LastIndexByte(line, ' ')+1:]
		}
	}
	t.Fatalf("no dynomite_peer_state for %s in /metrics:\n%s", rack, body)
	return ""
}

// waitPeerState polls node's /metrics until the member in rack is in state
// want (4 NORMAL, 8 DOWN).
func waitPeerState(t *testing.T, node *enginetest.Proc, rack, want string, d time.Duration) {
	t.Helper()
	end := time.Now().Add(d)
	for {
		got := metricPeerState(t, node, rack)
		if got == want {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("peer state of %s: %s after %v; want %s", rack, got, d, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStatsClusterPeerDownAndBack(t *testing.T) {
	cl := twoRackCluster(t)
	n0, n1 := cl.nodes[0], cl.nodes[1]
	waitPeerState(t, n0.Node, "rack2", "4", 5*time.Second)
	before := quietInfo(t, n0.Node, n0.Store)

	n1.Node.Kill()
	waitPeerState(t, n0.Node, "rack2", "8", 5*time.Second)
	after := waitInfo(t, n0.Node, n0.Store, func(in info) bool { return num(t, in.pool, "peer_connections") == 0 })
	if got := num(t, after.pool, "peer_connections"); got != 0 {
		t.Errorf("peer_connections %d with the only peer killed; want 0", got)
	}
	if got := num(t, after.pool, "peer_eof") + num(t, after.pool, "peer_err") - num(t, before.pool, "peer_eof") - num(t, before.pool, "peer_err"); got != 1 {
		t.Errorf("peer_eof + peer_err moved by %d; want 1", got)
	}
	if got := num(t, after.pool, "peer_ejects") - num(t, before.pool, "peer_ejects"); got != 1 {
		t.Errorf("peer_ejects moved by %d; want 1", got)
	}

	if err := n1.Node.Restart(); err != nil {
		t.Fatalf("restart %s: %v", n1, err)
	}
	waitPeerState(t, n0.Node, "rack2", "4", 20*time.Second) // reconnect back-off: up to 10 s
	back := waitInfo(t, n0.Node, n0.Store, func(in info) bool { return num(t, in.pool, "peer_connections") == 1 })
	if got := num(t, back.pool, "peer_connections"); got != 1 {
		t.Errorf("peer_connections %d once the peer is back; want 1", got)
	}
}
