package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/ring/gossip"
)

func gossipCluster(t *testing.T) *testCluster {
	return startTestCluster(t, threeRackMembers(), func(_ int, p *conf.Pool) {
		p.EnableGossip, p.GosInterval = true, 50*time.Millisecond
	})
}

// waitGossip polls cond every 20 ms for at most d.
func waitGossip(t *testing.T, d time.Duration, what string, cond func() string) {
	t.Helper()
	end := time.Now().Add(d)
	for {
		why := cond()
		if why == "" {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s not within %v: %s", what, d, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tableOK says why node n's gossip table does not show every node of tc
// NORMAL at its current address, or "".
func (tc *testCluster) tableOK(n *Node) string {
	g := n.Gossiper()
	if g == nil {
		return "no gossiper"
	}
	rows := g.Table()
	if len(rows) != len(tc.nodes) {
		return fmt.Sprintf("table %+v", rows)
	}
	for _, r := range rows {
		if r.State != gossip.Normal || r.TS < 1_000_000_000 {
			return fmt.Sprintf("row %+v", r)
		}
	}
	for j := range tc.nodes {
		want := tc.cfgs[j].Pool.DynListen.String()
		found := false
		for _, r := range rows {
			found = found || r.Addr == want
		}
		if !found {
			return fmt.Sprintf("%s missing from %+v", want, rows)
		}
	}
	return ""
}

// TestGossipConverges: 3 racks with gossip every 50 ms: every node's
// table holds every node NORMAL with a real timestamp, every node
// received gossip, and requests still replicate.
func TestGossipConverges(t *testing.T) {
	tc := gossipCluster(t)
	for i, n := range tc.nodes {
		waitGossip(t, 5*time.Second, fmt.Sprint("gossip table of node ", i), func() string { return tc.tableOK(n) })
		if st := admin.State(n.adm.state.Load()); st != admin.Normal {
			t.Fatalf("node %d is %v after gossip converged; want NORMAL", i, st)
		}
		if st := n.Gossiper().Stats(); st.Received == 0 || st.Sent == 0 || st.BadPayloads != 0 {
			t.Fatalf("node %d gossip stats %+v", i, st)
		}
	}
	c := tc.client(0)
	expect(t, c, "+OK\r\n", "SET", "g:1", "v")
	for j := range tc.nodes {
		if !tc.waitStored(j, "g:1", "v", true, 3*time.Second) {
			t.Fatalf("write not in the redis of node %d", j)
		}
	}
}

// TestGossipFollowsNewAddress: node 2 restarts at a new address with the
// same token while the others' dyn_seeds still name the old one; gossip
// moves it in their rings, so writes through node 0 reach it again.
func TestGossipFollowsNewAddress(t *testing.T) {
	tc := gossipCluster(t)
	for _, n := range tc.nodes {
		waitGossip(t, 5*time.Second, "gossip table", func() string { return tc.tableOK(n) })
	}
	old := tc.cfgs[2].Pool.DynListen.String()
	tc.stop(tc.nodes[2])
	port, err := enginetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	tc.cfgs[2].Pool.DynListen = tcpAddr(port)
	tc.start(2)
	for i := 0; i < 2; i++ {
		n := tc.nodes[i]
		waitGossip(t, 10*time.Second, fmt.Sprint("node ", i, " following node 2"), func() string {
			if tc.peerIndex(n, 2) < 0 {
				return "no peer at the new address"
			}
			for _, p := range n.cluster.topo.Load().Peers {
				if p != nil && p.Addr == old {
					return "old address still in the ring"
				}
			}
			return tc.tableOK(n)
		})
	}
	if s := tc.nodes[0].Gossiper().Stats(); s.Readdressed == 0 {
		t.Fatalf("node 0 stats %+v: no readdress", s)
	}
	c := tc.client(0)
	end := time.Now().Add(10 * time.Second)
	for k := 0; ; k++ {
		key := fmt.Sprint("g:moved:", k)
		if do(t, c, "SET", key, "m") == "+OK\r\n" && tc.waitStored(2, key, "m", true, time.Second) {
			break
		}
		if time.Now().After(end) {
			t.Fatal("node 2 at its new address not written to through node 0")
		}
	}
}
