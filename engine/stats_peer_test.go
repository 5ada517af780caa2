package engine

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/stats"
)

// Peer stats of a 2-rack cluster (one node per rack, DC_ONE): a write
// through node 0 goes to its datastore and, as a swallowed copy, to node 1;
// a read stays in the own rack. The peer counters of node 0 and the dnode
// side of node 1 move by exactly what was sent.

func twoRackMembers() []member {
	return []member{{"dc1", "rack1", []uint32{0}}, {"dc1", "rack2", []uint32{0}}}
}

// withStatsListen gives every node of a test cluster a stats endpoint on
// a free loopback port.
func withStatsListen(t *testing.T) func(int, *conf.Pool) {
	return func(_ int, p *conf.Pool) {
		port, err := enginetest.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		p.StatsListen = tcpAddr(port)
	}
}

// snap sums node n's stats now, with what the node adds at snapshot time.
func snap(n *Node) *stats.Snapshot { return n.Stats().Snapshot(time.Now()) }

// waitStat polls until metric m of node n is want.
func waitStat(t *testing.T, n *Node, m stats.Metric, want int64) {
	t.Helper()
	end := time.Now().Add(5 * time.Second)
	for {
		got := snap(n).Value(m)
		if got == want {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("unexpected %s; got %d; want %d", m, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// respLen is the length of the RESP array frame of args.
func respLen(args ...string) int64 {
	n := len(fmt.Sprintf("*%d\r\n", len(args)))
	for _, a := range args {
		n += len(fmt.Sprintf("$%d\r\n%s\r\n", len(a), a))
	}
	return int64(n)
}

func TestStatsPeerCountersTwoRacks(t *testing.T) {
	tc := startTestCluster(t, twoRackMembers(), nil)
	n0, n1 := tc.nodes[0], tc.nodes[1]
	before0, before1 := snap(n0), snap(n1)
	c := tc.client(0)
	const sets, gets = 25, 15
	var reqBytes int64
	for i := 0; i < sets; i++ {
		args := []string{"SET", fmt.Sprintf("ps:%d", i), fmt.Sprintf("value-%d", i)}
		expect(t, c, "+OK\r\n", args...)
		reqBytes += respLen(args...)
	}
	for i := 0; i < gets; i++ {
		expect(t, c, bulkOf(fmt.Sprintf("value-%d", i)), "GET", fmt.Sprintf("ps:%d", i))
	}
	// The copies' replies are swallowed: the client does not wait for them.
	waitStat(t, n0, stats.PeerResponses, before0.Value(stats.PeerResponses)+sets)
	waitStat(t, n1, stats.WriteResponses, before1.Value(stats.WriteResponses)+sets)
	waitStat(t, n0, stats.PeerOutQueue, 0)
	a0, a1 := snap(n0), snap(n1)
	d := func(s, b *stats.Snapshot, m stats.Metric) int64 { return s.Value(m) - b.Value(m) }
	for _, c := range []struct {
		m    stats.Metric
		want int64
	}{
		{stats.ClientWriteRequests, sets},
		{stats.ClientReadRequests, gets},
		{stats.PeerRequests, sets},
		{stats.PeerRequestBytes, reqBytes},
		{stats.PeerResponses, sets},
		{stats.PeerResponseBytes, sets * int64(len("+OK\r\n"))},
		{stats.PeerDroppedRequests, 0},
		{stats.PeerTimedoutRequests, 0},
		{stats.PeerEOF, 0},
		{stats.PeerErr, 0},
		{stats.PeerMismatchRequests, 0},
		{stats.WriteRequests, sets}, // node 0's own datastore
		{stats.ReadRequests, gets},
	} {
		if got := d(a0, before0, c.m); got != c.want {
			t.Errorf("node 0: %s moved by %d; want %d", c.m, got, c.want)
		}
	}
	for _, g := range []stats.Metric{stats.PeerInQueue, stats.PeerInQueueBytes, stats.PeerOutQueue, stats.PeerOutQueueBytes,
		stats.RemotePeerInQueue, stats.RemotePeerOutQueue, stats.InQueue, stats.OutQueue} {
		if v := a0.Value(g); v != 0 {
			t.Errorf("node 0: %s is %d once idle; want 0", g, v)
		}
	}
	if v := a0.Value(stats.PeerConnections); v != 1 {
		t.Errorf("node 0: peer_connections %d; want 1 (local_peer_connections to one peer)", v)
	}
	if v := a0.Value(stats.DnodeClientConnections); v != 1 {
		t.Errorf("node 0: dnode_client_connections %d; want 1 (node 1's connection)", v)
	}
	if got := a0.Hists[stats.CrossZoneLatency].Count - before0.Hists[stats.CrossZoneLatency].Count; got != sets {
		t.Errorf("node 0: cross-zone round trips recorded %d; want %d", got, sets)
	}
	if got := a0.Hists[stats.CrossZoneQueueWait].Count - before0.Hists[stats.CrossZoneQueueWait].Count; got != sets {
		t.Errorf("node 0: cross-zone queue waits recorded %d; want %d", got, sets)
	}
	if got := a0.Hists[stats.CrossRegionQueueWait].Count - before0.Hists[stats.CrossRegionQueueWait].Count; got != 0 {
		t.Errorf("node 0: cross-region queue waits recorded %d; want 0 (one DC)", got)
	}
	// Node 1 executed the copies on its datastore: they arrived on its
	// dnode side, not as client requests.
	for _, c := range []struct {
		m    stats.Metric
		want int64
	}{
		{stats.WriteRequests, sets},
		{stats.WriteRequestBytes, reqBytes},
		{stats.ClientWriteRequests, 0},
		{stats.ReadRequests, 0},
		{stats.PeerRequests, 0},
	} {
		if got := d(a1, before1, c.m); got != c.want {
			t.Errorf("node 1: %s moved by %d; want %d", c.m, got, c.want)
		}
	}
	if v := a1.Value(stats.DnodeClientConnections); v != 1 {
		t.Errorf("node 1: dnode_client_connections %d; want 1", v)
	}
	if got := a1.Hists[stats.DnodeClientOutQueueDepth].Count; got == 0 {
		t.Errorf("node 1: dnode_client_out_queue depth never recorded")
	}
}

// peerStateMetric returns the value of dynomite_peer_state for rack in
// node n's /metrics.
func peerStateMetric(t *testing.T, n *Node, rack string) string {
	t.Helper()
	resp, err := http.Get("http://" + n.StatsAddr().String() + "/metrics")
	if err != nil {
		t.Fatalf("cannot get /metrics: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("cannot read /metrics: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "dynomite_peer_state{") && strings.Contains(line, `rack="`+rack+`"`) {
			return line[strings.LastIndexByte(line, ' ')+1:]
		}
	}
	t.Fatalf("no dynomite_peer_state of rack %s in /metrics:\n%s", rack, b)
	return ""
}

// peerStateOf returns the state node n shows for the peer in rack.
func peerStateOf(n *Node, rack string) admin.State {
	for _, dc := range n.Topology().DCs {
		for _, r := range dc.Racks {
			for _, p := range r.Servers {
				if r.Name == rack && !p.Local {
					return p.State
				}
			}
		}
	}
	return admin.Unknown
}

// waitPeerState polls until node n shows the peer in rack in state want,
// in Topology and in /metrics.
func waitPeerState(t *testing.T, n *Node, rack string, want admin.State) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for peerStateOf(n, rack) != want {
		if time.Now().After(end) {
			t.Fatalf("peer in %s: state %v; want %v", rack, peerStateOf(n, rack), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got, w := peerStateMetric(t, n, rack), fmt.Sprint(int(want)); got != w {
		t.Fatalf("peer in %s: /metrics dynomite_peer_state %s; want %s", rack, got, w)
	}
}

// A killed peer becomes DOWN (its last connection closed: peer_eof,
// an eject, no peer connection) and NORMAL again once it is back.
func TestStatsPeerDownAndBack(t *testing.T) {
	tc := startTestCluster(t, twoRackMembers(), withStatsListen(t))
	n0 := tc.nodes[0]
	waitPeerState(t, n0, "rack2", admin.Normal)
	before := snap(n0)

	tc.stop(tc.nodes[1])
	waitPeerState(t, n0, "rack2", admin.Down)
	waitStat(t, n0, stats.PeerConnections, 0)
	a := snap(n0)
	if got := a.Value(stats.PeerEOF) - before.Value(stats.PeerEOF); got != 1 {
		t.Errorf("peer_eof moved by %d; want 1", got)
	}
	if got := a.Value(stats.PeerEjects) - before.Value(stats.PeerEjects); got != 1 {
		t.Errorf("peer_ejects moved by %d; want 1", got)
	}
	if a.Value(stats.PeerEjectedAt) < time.Now().Add(-time.Minute).UnixMilli() {
		t.Errorf("peer_ejected_at %d is not a recent time in ms", a.Value(stats.PeerEjectedAt))
	}
	if got := a.Value(stats.DnodeClientConnections); got != 0 {
		t.Errorf("dnode_client_connections %d once the peer is gone; want 0", got)
	}

	tc.start(1)
	tc.waitMesh(15 * time.Second)
	waitPeerState(t, n0, "rack2", admin.Normal)
	waitStat(t, n0, stats.PeerConnections, 1)
}

// max_msgs refusals count in client_dropped_requests; the client reply
// queue depth is recorded (client_out_queue_99); the message and buffer
// pools show in alloc_msgs, free_msgs, alloc_mbufs and free_mbufs.
func TestStatsRefusalsQueueDepthAndPools(t *testing.T) {
	n, _ := proxy(t, func(p *conf.Pool) { p.MaxMsgs = 4 })
	before := snap(n)
	c := dial(t, n)
	const k = 20
	for i := 0; i < k; i++ {
		if err := c.Send("GET", fmt.Sprint("rq:", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("cannot send the pipeline: %v", err)
	}
	refused := int64(0)
	for i := 0; i < k; i++ {
		r, err := c.Read()
		if err != nil {
			t.Fatalf("cannot read reply %d: %v", i, err)
		}
		switch string(r.Raw) {
		case "$-1\r\n":
		case string(resp.ReplyTooManyMsgs):
			refused++
		default:
			t.Fatalf("unexpected reply %q", r.Raw)
		}
	}
	if refused == 0 {
		t.Fatalf("no request refused with max_msgs 4 and %d pipelined", k)
	}
	a := snap(n)
	if got := a.Value(stats.ClientDroppedRequests) - before.Value(stats.ClientDroppedRequests); got != refused {
		t.Errorf("client_dropped_requests moved by %d; want %d (refused replies)", got, refused)
	}
	if got := a.Value(stats.ClientReadRequests) - before.Value(stats.ClientReadRequests); got != k {
		t.Errorf("client_read_requests moved by %d; want %d", got, k)
	}
	if got := a.Value(stats.ReadRequests) - before.Value(stats.ReadRequests); got != k-refused {
		t.Errorf("read_requests moved by %d; want %d", got, k-refused)
	}
	h := a.Hists[stats.ClientOutQueueDepth]
	if h.Count == 0 || h.Window.Max < 4 {
		t.Errorf("client out queue depth: count %d, max %d; want a batch of at least 4 pending", h.Count, h.Window.Max)
	}
	m := a.Mem
	if m[stats.AllocMsgs] < 4 || m[stats.FreeMsgs] != m[stats.AllocMsgs] {
		t.Errorf("alloc_msgs %d, free_msgs %d; want at least 4 made, all free once idle", m[stats.AllocMsgs], m[stats.FreeMsgs])
	}
	if m[stats.AllocMbufs] < 1 || m[stats.FreeMbufs] < 0 || m[stats.FreeMbufs] > m[stats.AllocMbufs] {
		t.Errorf("alloc_mbufs %d, free_mbufs %d; want 0 <= free <= alloc, alloc >= 1", m[stats.AllocMbufs], m[stats.FreeMbufs])
	}
}
