package engine

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
)

// ringAddrs is the sorted addresses of n's live ring, this node included.
func ringAddrs(n *Node) []string {
	t := n.cluster.topo.Load()
	out := make([]string, 0, t.Nodes())
	for i := 0; i < t.Nodes(); i++ {
		out = append(out, t.Node(i).Addr)
	}
	slices.Sort(out)
	return out
}

// gossipAddrs is the sorted addresses of n's gossip table.
func gossipAddrs(n *Node) []string {
	g := n.Gossiper()
	if g == nil {
		return []string{"no gossip"}
	}
	var out []string
	for _, r := range g.Table() {
		out = append(out, r.Addr)
	}
	slices.Sort(out)
	return out
}

// TestMembershipProviderGossip: 3 racks, each node with florida_provider
// and gossip every 50 ms. The ring each node routes on, its gossip table
// and the provider's list agree. A replacement of rack3's node announced
// by the provider, then another announced by gossip alone (the provider
// still lists the previous address), is followed by the others; neither
// source moves the node back afterwards (no flapping, no further ring
// swap), even when the provider's list changes again for another reason
// and still names the previous address.
func TestMembershipProviderGossip(t *testing.T) {
	fl := newFlorida(t)
	tc := startTestCluster(t, threeRackMembers(), nil)
	const poll = 100 * time.Millisecond
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	gossipOn := func(p *conf.Pool) {
		p.DynSeedProvider, p.DynSeeds = "florida_provider", nil
		p.EnableGossip, p.GosInterval = true, 50*time.Millisecond
	}
	restart := func(i int) {
		n, err := New(Options{Config: tc.cfgs[i], Logger: log, Getenv: fl.getenv,
			Membership: MembershipOptions{SeedInterval: poll, RetireAfter: 100 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
		tc.nodes[i] = n
		t.Cleanup(func() { tc.stop(n) })
	}
	for i := range tc.nodes {
		tc.stop(tc.nodes[i])
	}
	for i := range tc.nodes {
		gossipOn(&tc.cfgs[i].Pool)
	}
	list := func(idx ...int) string {
		var rs []string
		for _, i := range idx {
			rs = append(rs, seedRecord(&tc.cfgs[i].Pool))
		}
		return strings.Join(rs, "|")
	}
	fl.set(list(0, 1, 2), http.StatusOK)
	for i := range tc.nodes {
		restart(i)
	}
	var extra []string // ring members beyond tc's nodes
	want := func() []string {
		out := slices.Clone(extra)
		for _, c := range tc.cfgs {
			out = append(out, c.Pool.DynListen.String())
		}
		slices.Sort(out)
		return out
	}
	agree := func(i int) string {
		n := tc.nodes[i]
		if st := n.State(); st != admin.Normal {
			return fmt.Sprint("state ", st)
		}
		r, g, w := ringAddrs(n), gossipAddrs(n), want()
		if !slices.Equal(r, w) || !slices.Equal(g, w) {
			return fmt.Sprintf("ring %v, gossip table %v; want %v", r, g, w)
		}
		return ""
	}
	for i := range tc.nodes {
		waitGossip(t, 5*time.Second, fmt.Sprint("node ", i, " agreeing with the provider"), func() string { return agree(i) })
	}
	tc.waitMesh(5 * time.Second)
	c := tc.client(0)
	expect(t, c, "+OK\r\n", "SET", "pg:1", "v")
	for j := range tc.nodes {
		if !tc.waitStored(j, "pg:1", "v", true, 3*time.Second) {
			t.Fatalf("write not in the redis of node %d", j)
		}
	}

	// steady checks, for d, that the rings of nodes 0 and 1 keep agreeing
	// and neither swaps again.
	steady := func(what string, d time.Duration) {
		t.Helper()
		swaps := []int64{tc.nodes[0].cluster.live.Swaps(), tc.nodes[1].cluster.live.Swaps()}
		for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			for i := 0; i < 2; i++ {
				if why := agree(i); why != "" {
					t.Fatalf("%s: node %d: %s", what, i, why)
				}
				if s := tc.nodes[i].cluster.live.Swaps(); s != swaps[i] {
					t.Fatalf("%s: node %d swapped its ring again (%d -> %d swaps)", what, i, swaps[i], s)
				}
			}
		}
	}
	replace := func() {
		t.Helper()
		tc.stop(tc.nodes[2])
		tc.cfgs[2].Pool.DynListen = tcpAddr(mustFreePort(t))
		restart(2)
	}
	follow := func(what string, d time.Duration) {
		t.Helper()
		start := time.Now()
		for i := 0; i < 2; i++ {
			waitGossip(t, d, fmt.Sprint(what, ": node ", i, " following"), func() string { return agree(i) })
		}
		t.Logf("%s: followed in %v", what, time.Since(start).Round(time.Millisecond))
		end := time.Now().Add(5 * time.Second)
		for k := 0; ; k++ {
			key := fmt.Sprint("pg:", what, ":", k)
			if do(t, c, "SET", key, "m") == "+OK\r\n" && tc.waitStored(2, key, "m", true, time.Second) {
				break
			}
			if time.Now().After(end) {
				t.Fatalf("%s: rack3's node not written to through node 0", what)
			}
		}
	}

	// Announced by the provider.
	replace()
	fl.set(list(0, 1, 2), http.StatusOK)
	follow("provider", poll+time.Second)
	steady("after the provider's replacement", 10*poll)

	// Announced by gossip alone: the provider keeps the previous address.
	stale := list(0, 1, 2)
	replace()
	follow("gossip", 2*time.Second)
	steady("after the gossip replacement", 10*poll)
	if s := tc.nodes[0].Gossiper().Stats(); s.Readdressed < 2 {
		t.Fatalf("node 0 gossip stats %+v: want 2 readdresses", s)
	}

	// The provider's list changes for another reason (a node added to
	// rack2) and still names rack3's previous address: the added node
	// joins, rack3's node stays where gossip put it.
	added := fmt.Sprintf("127.0.0.1:%d", mustFreePort(t))
	extra = append(extra, added)
	fl.set(stale+"|"+added+":rack2:dc1:2147483648", http.StatusOK)
	for i := 0; i < 2; i++ {
		waitGossip(t, poll+time.Second, fmt.Sprint("node ", i, " adding rack2's node"), func() string { return agree(i) })
	}
	steady("after the provider's list changed", 10*poll)
}
