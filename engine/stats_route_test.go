package engine

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/stats"
)

// Coordinator stats (stats_route.go): forwarding errors, decisions without
// a quorum, fragments of split requests, and the peer queue waits. Each
// test checks that a counter moves by exactly what the test did.

// moved checks, for every metric of want, how far it moved from before
// to after.
func moved(t *testing.T, who string, before, after *stats.Snapshot, want map[stats.Metric]int64) {
	t.Helper()
	for m, w := range want {
		if got := after.Value(m) - before.Value(m); got != w {
			t.Errorf("%s: %s moved by %d; want %d", who, m, got, w)
		}
	}
}

// Requests the node cannot hand to its datastore (down) count one each in
// forward_error; their clients get the Storage error.
func TestStatsForwardError(t *testing.T) {
	port, err := enginetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, testConfig(net.JoinHostPort("127.0.0.1", itoa(port))))
	before := snap(n)
	c := dial(t, n)
	const k = 7
	for i := 0; i < k; i++ {
		expect(t, c, storageRefused, "GET", fmt.Sprint("fe:", i))
	}
	moved(t, "node", before, snap(n), map[stats.Metric]int64{
		stats.ForwardError:     k,
		stats.PeerForwardError: 0,
		stats.ReadRequests:     0,
	})
}

// Two racks, so a quorum is both replicas. Replicas that disagree make a
// DC_QUORUM read fall back to the first reply and a DC_SAFE_QUORUM read
// fail: one non-quorum read each. With the other rack down, quorum reads
// and writes are lost (one each) and every copy for the peer is a peer
// forwarding error. DC_ONE waits for no quorum and counts nothing.
func TestStatsNonQuorumAndPeerForwardError(t *testing.T) {
	tc := startTestCluster(t, twoRackMembers(), nil)
	n0 := tc.nodes[0]
	q, s, one := tc.client(0), tc.client(0), tc.client(0)
	expect(t, q, "+OK\r\n", "dyno_config:conn_consistency", "DC_QUORUM")
	expect(t, s, "+OK\r\n", "dyno_config:conn_consistency", "DC_SAFE_QUORUM")
	before := snap(n0)

	expect(t, q, "+OK\r\n", "SET", "nq:k", "v1")
	expect(t, q, bulkOf("v1"), "GET", "nq:k")
	expect(t, s, bulkOf("v1"), "GET", "nq:k")
	moved(t, "replicas agree", before, snap(n0), map[stats.Metric]int64{
		stats.ClientNonQuorumRResponses: 0,
		stats.ClientNonQuorumWResponses: 0,
	})

	r := enginetest.DialTB(t, tc.redis[1].Addr)
	expect(t, r, "+OK\r\n", "SET", "nq:k", "other")
	r.Close()
	if got := do(t, q, "GET", "nq:k"); got != bulkOf("v1") && got != bulkOf("other") {
		t.Fatalf("DC_QUORUM read of replicas that disagree: unexpected %q", got)
	}
	expect(t, s, "-ERR Dynomite: Failed to achieve Quorum\r\n", "GET", "nq:k")
	expect(t, one, bulkOf("v1"), "GET", "nq:k")
	mid := snap(n0)
	moved(t, "replicas disagree", before, mid, map[stats.Metric]int64{
		stats.ClientNonQuorumRResponses: 2,
		stats.ClientNonQuorumWResponses: 0,
		stats.PeerForwardError:          0,
	})

	tc.stop(tc.nodes[1])
	waitStat(t, n0, stats.PeerConnections, 0)
	mid = snap(n0)
	for _, c := range []struct {
		cl   *enginetest.Client
		want string
		args []string
	}{
		{q, peerNotConnected, []string{"SET", "nq:lost", "1"}},
		{q, peerNotConnected, []string{"GET", "nq:k"}},
		{s, peerNotConnected, []string{"GET", "nq:k"}},
		{one, "+OK\r\n", []string{"SET", "nq:one", "1"}}, // the copy for the peer is dropped
		{one, bulkOf("v1"), []string{"GET", "nq:k"}},     // no copy for the peer
	} {
		if got := do(t, c.cl, c.args...); got != c.want && !(c.want == peerNotConnected && got == peerRefused) {
			t.Fatalf("%q with the peer down: got %q; want %q", c.args, got, c.want)
		}
	}
	moved(t, "peer down", mid, snap(n0), map[stats.Metric]int64{
		stats.ClientNonQuorumRResponses: 2,
		stats.ClientNonQuorumWResponses: 1,
		stats.PeerForwardError:          4,
		stats.ForwardError:              0,
	})
}

// twoOwnerKeys returns keys of each of the two owners of the local rack
// of tc (nodes 0 and 1), at least n of each.
func twoOwnerKeys(t *testing.T, tc *testCluster, prefix string, n int) (own0, own1 []string) {
	t.Helper()
	for i := 0; len(own0) < n || len(own1) < n; i++ {
		if i > 1000 {
			t.Fatalf("no %d keys of each owner among 1000", n)
		}
		key := fmt.Sprint(prefix, i)
		if tc.ring.Owner(0, 0, tc.ring.Token([]byte(key))) == 0 {
			own0 = append(own0, key)
		} else {
			own1 = append(own1, key)
		}
	}
	return own0[:n], own1[:n]
}

// twoOwnerMembers is one rack of two nodes: every key has one of two
// owners, so a multi-key request splits in two parts at most.
func twoOwnerMembers() []member {
	return []member{{"dc1", "rack1", []uint32{0}}, {"dc1", "rack1", []uint32{2147483648}}}
}

// A multi-key request over keys of both owners is split in two fragments;
// over keys of one owner it is routed whole.
func TestStatsFragmentsRedis(t *testing.T) {
	tc := startTestCluster(t, twoOwnerMembers(), nil)
	n0 := tc.nodes[0]
	a, b := twoOwnerKeys(t, tc, "fr:", 3)
	mixed := append(append([]string{}, a...), b...)
	c := tc.client(0)
	before := snap(n0)
	mset := []string{"MSET"}
	for _, k := range mixed {
		mset = append(mset, k, "v")
	}
	expect(t, c, "+OK\r\n", mset...)
	expect(t, c, "*6\r\n"+strings.Repeat(bulkOf("v"), 6), append([]string{"MGET"}, mixed...)...)
	expect(t, c, ":6\r\n", append([]string{"EXISTS"}, mixed...)...)
	expect(t, c, "*3\r\n"+strings.Repeat(bulkOf("v"), 3), append([]string{"MGET"}, a...)...)
	expect(t, c, ":6\r\n", append([]string{"DEL"}, mixed...)...)
	moved(t, "node 0", before, snap(n0), map[stats.Metric]int64{stats.Fragments: 4 * 2})
}

// memcachedCluster is startTestCluster with every node in front of a
// memcached of its own (data_store 1).
func memcachedCluster(t *testing.T, members []member) *testCluster {
	return startTestCluster(t, members, func(_ int, p *conf.Pool) {
		mc := enginetest.Memcached(t)
		p.DataStore = 1
		p.Servers = testConfig(mc.Addr).Pool.Servers
	})
}

// memcached get and gets over keys of both owners are split in two
// fragments; a get of one owner's keys is routed whole.
func TestStatsFragmentsMemcached(t *testing.T) {
	tc := memcachedCluster(t, twoOwnerMembers())
	n0 := tc.nodes[0]
	a, b := twoOwnerKeys(t, tc, "mf:", 2)
	c := dialMemcache(t, n0.ClientAddr().String())
	for _, k := range append(append([]string{}, a...), b...) {
		c.expect("set "+k+" 0 0 1\r\nv\r\n", "STORED\r\n")
	}
	before := snap(n0)
	value := func(k string) string { return "VALUE " + k + " 0 1\r\nv\r\n" }
	c.expect("get "+a[0]+" "+b[0]+" "+a[1]+"\r\n", value(a[0])+value(b[0])+value(a[1])+"END\r\n")
	c.send("gets " + b[1] + " " + a[0] + "\r\n")
	if got := c.retrieval(); strings.Count(got, "VALUE ") != 2 || !strings.HasSuffix(got, "END\r\n") {
		t.Fatalf("unexpected reply to a split gets: %q", got)
	}
	c.expect("get "+a[0]+" "+a[1]+"\r\n", value(a[0])+value(a[1])+"END\r\n")
	moved(t, "node 0", before, snap(n0), map[stats.Metric]int64{stats.Fragments: 2 * 2})
}

// The copies a request sends to peers record their queue wait, local-DC
// ones in cross_zone_queue_wait and remote-DC ones in
// cross_region_queue_wait: one value per copy.
func TestStatsPeerQueueWait(t *testing.T) {
	members := []member{{"dc1", "rack1", []uint32{0}}, {"dc2", "rack1", []uint32{0}}}
	tc := startTestCluster(t, members, nil)
	n0 := tc.nodes[0]
	c := tc.client(0)
	before := snap(n0)
	const sets = 12
	for i := 0; i < sets; i++ {
		expect(t, c, "+OK\r\n", "SET", fmt.Sprint("qw:", i), "v")
	}
	waitStat(t, n0, stats.PeerResponses, before.Value(stats.PeerResponses)+sets)
	a := snap(n0)
	region := a.Hists[stats.CrossRegionQueueWait]
	if got := region.Count - before.Hists[stats.CrossRegionQueueWait].Count; got != sets {
		t.Errorf("cross_region_queue_wait recorded %d values; want %d (one per remote-DC copy)", got, sets)
	}
	if region.Window.Max > 5e6 {
		t.Errorf("cross_region_queue_wait max %d µs; want well under 5 s", region.Window.Max)
	}
	if got := a.Hists[stats.CrossZoneQueueWait].Count - before.Hists[stats.CrossZoneQueueWait].Count; got != 0 {
		t.Errorf("cross_zone_queue_wait recorded %d values; want 0 (no peer in the local DC)", got)
	}
}
