package engine

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/outbound"
	"github.com/dynomite-go/dynomite/ring/gossip"
)

const peerDown = "-ERR Peer: Peer Node is down\r\n"

// timed runs args on c and fails when the reply is not want or takes
// longer than bound.
func timed(t *testing.T, c *enginetest.Client, bound time.Duration, want string, args ...string) {
	t.Helper()
	start := time.Now()
	got := do(t, c, args...)
	if d := time.Since(start); d > bound {
		t.Fatalf("%q answered after %v; want within %v", args, d, bound)
	}
	if got != want {
		t.Fatalf("unexpected reply to %q; got %q; want %q", args, got, want)
	}
}

// peerIndex is the index of the peer at the dyn_listen of node j in node
// n's live topology, or -1.
func (tc *testCluster) peerIndex(n *Node, j int) int {
	addr := tc.cfgs[j].Pool.DynListen.String()
	t := n.cluster.topo.Load()
	for i, p := range t.Peers {
		if p != nil && p.Addr == addr {
			return i
		}
	}
	return -1
}

// waitUp waits until node n's detector says the peer that is node j is
// up (or down), within d. With c set, it writes through c meanwhile: a
// DOWN peer comes back UP by a good reply to a probe.
func (tc *testCluster) waitUp(n *Node, j int, up bool, d time.Duration, c ...*enginetest.Client) {
	tc.t.Helper()
	end := time.Now().Add(d)
	for {
		t := n.cluster.topo.Load()
		if i := tc.peerIndex(n, j); i >= 0 && t.Det.Up(i) == up {
			return
		}
		if time.Now().After(end) {
			tc.t.Fatalf("peer node %d not up=%v on %v within %v", j, up, n.cfg.Pool.DynListen.String(), d)
		}
		for _, cl := range c {
			do(tc.t, cl, "SET", "probe", "p")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMembershipPeerKilled: 3 racks × 1 node, server_failure_limit 1.
// With rack3's node killed, node 0 ejects it: DC_ONE reads and writes and
// DC_QUORUM reads and writes (2 of 3) answer at once, with no copy sent to
// the dead peer. Restarted on its port, the peer is UP again and gets the
// writes, without restarting node 0.
func TestMembershipPeerKilled(t *testing.T) {
	tc := startTestCluster(t, threeRackMembers(), func(_ int, p *conf.Pool) {
		p.AutoEjectHosts, p.ServerFailureLimit = true, 1
		p.ServerRetryTimeout = 300 * time.Millisecond
	})
	n0 := tc.nodes[0]
	one, q := tc.client(0), tc.client(0)
	expect(t, q, "+OK\r\n", "dyno_config:conn_consistency", "DC_QUORUM")
	// peers dialled before they listened are DOWN until a probe: start
	// from every peer UP, so that only the kill below ejects one.
	tc.waitUp(n0, 1, true, 5*time.Second, q)
	tc.waitUp(n0, 2, true, 5*time.Second, q)
	tc.stop(tc.nodes[2])
	tc.waitUp(n0, 2, false, 5*time.Second)
	fast := 300 * time.Millisecond // far below `timeout` (1 s)
	for k := 0; k < 20; k++ {
		key := fmt.Sprint("pk:", k)
		timed(t, one, fast, "+OK\r\n", "SET", key, "x")
		timed(t, one, fast, bulkOf("x"), "GET", key)
		timed(t, q, fast, "+OK\r\n", "SET", key, "y")
		timed(t, q, fast, bulkOf("y"), "GET", key)
	}
	if !tc.waitStored(1, "pk:19", "y", true, 3*time.Second) {
		t.Fatal("DC_QUORUM write with rack3 down not in rack2's redis")
	}
	// Two racks down: the quorum is gone and the error comes at once.
	tc.stop(tc.nodes[1])
	tc.waitUp(n0, 1, false, 5*time.Second)
	for k := 0; k < 5; k++ {
		start := time.Now()
		got := do(t, q, "GET", "pk:1")
		if got != peerDown && got != peerNotConnected && got != peerRefused {
			t.Fatalf("DC_QUORUM GET with 2 of 3 racks down: got %q; want a peer error", got)
		}
		if d := time.Since(start); d > fast {
			t.Fatalf("DC_QUORUM GET with 2 of 3 racks down answered after %v", d)
		}
		timed(t, one, fast, bulkOf("y"), "GET", "pk:1")
	}
	tc.start(1)
	tc.start(2)
	tc.waitUp(n0, 1, true, 10*time.Second, q)
	tc.waitUp(n0, 2, true, 10*time.Second, q)
	end := time.Now().Add(10 * time.Second)
	for k := 0; ; k++ {
		key := fmt.Sprint("pk:back:", k)
		if do(t, q, "SET", key, "z") == "+OK\r\n" && tc.waitStored(2, key, "z", true, time.Second) && tc.waitStored(1, key, "z", true, time.Second) {
			break
		}
		if time.Now().After(end) {
			t.Fatal("restarted peers not written to within 10 s")
		}
	}
}

// TestMembershipAdminPeer: /peer/down/<host> (SetPeerState) keeps node
// 0's copies away from the peer until server_retry_timeout, after which a
// probe brings it back; /peer/reset rebuilds its connections.
func TestMembershipAdminPeer(t *testing.T) {
	tc := startTestCluster(t, threeRackMembers(), func(_ int, p *conf.Pool) {
		p.AutoEjectHosts, p.ServerRetryTimeout = true, 2*time.Second
	})
	n0 := tc.nodes[0]
	q := tc.client(0)
	expect(t, q, "+OK\r\n", "dyno_config:conn_consistency", "DC_QUORUM")
	// every peer is on 127.0.0.1, so the host names them all: use the
	// detector directly for one and the admin call for all.
	i2 := tc.peerIndex(n0, 2)
	tc.waitUp(n0, 1, true, 5*time.Second, q) // peers dialled before they listened are DOWN until a probe
	tc.waitUp(n0, 2, true, 5*time.Second, q)
	n0.cluster.topo.Load().Det.Gossip(i2, gossip.Down, n0.env.Clock())
	downAt := time.Now()
	if tp := n0.cluster.topo.Load(); tp.Allow(i2, &n0.env) || tp.Det.Up(i2) {
		t.Fatalf("allow after down: i2=%d", i2)
	}
	expect(t, q, "+OK\r\n", "SET", "ap:k", "v")
	if !tc.waitStored(1, "ap:k", "v", true, 3*time.Second) {
		t.Fatal("write not in rack2's redis")
	}
	time.Sleep(200 * time.Millisecond)
	if _, ok := tc.stored(2, "ap:k"); ok && time.Since(downAt) < 2*time.Second {
		t.Fatal("a peer marked DOWN got a copy before server_retry_timeout")
	}
	tc.waitUp(n0, 2, true, 10*time.Second, q) // a probe after the retry timeout
	if got := n0.SetPeerState("127.0.0.1", admin.Down); got != 2 {
		t.Fatalf("/peer/down/127.0.0.1 changed %d peers; want 2", got)
	}
	start := time.Now()
	got := do(t, q, "GET", "ap:k")
	if got != peerDown || time.Since(start) > 300*time.Millisecond {
		t.Fatalf("DC_QUORUM GET with every peer marked DOWN: %q after %v; want %q at once", got, time.Since(start), peerDown)
	}
	if desc := n0.Topology(); countState(desc, admin.Down) != 2 {
		t.Fatalf("/cluster_describe after /peer/down/all: %+v; want 2 peers DOWN", desc)
	}
	var before []*outbound.Conn
	for _, p := range n0.cluster.topo.Load().Peers {
		if p != nil {
			before = append(before, p.Links[0].Cur.Load())
		}
	}
	if got := n0.SetPeerState(admin.AllPeers, admin.Reset); got != 2 {
		t.Fatalf("/peer/reset/all changed %d peers; want 2", got)
	}
	end := time.Now().Add(10 * time.Second)
	for k, p := range nonNil(n0.cluster.topo.Load().Peers) {
		for c := p.Links[0].Cur.Load(); c == nil || c == before[k]; c = p.Links[0].Cur.Load() {
			if time.Now().After(end) {
				t.Fatalf("peer %s not reconnected 10 s after /peer/reset", p.Addr)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	expect(t, q, bulkOf("v"), "GET", "ap:k")
}

func nonNil(ps []*peer) []*peer {
	var out []*peer
	for _, p := range ps {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

func countState(t admin.Topology, st admin.State) int {
	n := 0
	for _, dc := range t.DCs {
		for _, r := range dc.Racks {
			for _, p := range r.Servers {
				if !p.Local && p.State == st {
					n++
				}
			}
		}
	}
	return n
}

// florida is a florida seed service whose list the test changes.
type florida struct {
	mu   sync.Mutex
	list string
	code int
	srv  *httptest.Server
}

func newFlorida(t *testing.T) *florida {
	f := &florida{code: http.StatusOK}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		list, code := f.list, f.code
		f.mu.Unlock()
		w.WriteHeader(code)
		_, _ = w.Write([]byte(list))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *florida) set(list string, code int) {
	f.mu.Lock()
	f.list, f.code = list, code
	f.mu.Unlock()
}

// getenv points florida_provider at the test server.
func (f *florida) getenv(key string) string {
	host, port, _ := net.SplitHostPort(f.srv.Listener.Addr().String())
	switch key {
	case "DYNOMITE_FLORIDA_IP":
		return host
	case "DYNOMITE_FLORIDA_PORT":
		return port
	}
	return ""
}

func seedRecord(p *conf.Pool) string {
	return fmt.Sprintf("%s:%d:%s:%s:%d", p.DynListen.Host, p.DynListen.Port, p.Rack, p.Datacenter, p.Tokens[0])
}

// TestMembershipFlorida: node 0 takes its peers from a florida service
// (a real HTTP server). While the service fails, node 0 stays JOINING and
// refuses requests; its first list makes it NORMAL and a member of the
// 3-rack ring. Rack3's node replaced by a new node at a new address with
// the same token is followed within one poll: DC_QUORUM writes through
// node 0 reach the new node. A failing service keeps the last good list.
func TestMembershipFlorida(t *testing.T) {
	fl := newFlorida(t)
	fl.set("", http.StatusInternalServerError)
	tc := startTestCluster(t, threeRackMembers(), nil)
	// Node 0 again, with the provider (same ports).
	tc.stop(tc.nodes[0])
	p0 := &tc.cfgs[0].Pool
	p0.DynSeedProvider = "florida_provider"
	p0.DynSeeds = nil
	poll := 200 * time.Millisecond
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	n0, err := New(Options{Config: tc.cfgs[0], Logger: log, Getenv: fl.getenv,
		Membership: MembershipOptions{SeedInterval: poll, RetireAfter: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n0.Start(); err != nil {
		t.Fatal(err)
	}
	tc.nodes[0] = n0
	t.Cleanup(func() { tc.stop(n0) })
	c := dial(t, n0)
	time.Sleep(3 * poll)
	if st := n0.State(); st != admin.Joining {
		t.Fatalf("node with a failing provider: state %v; want JOINING", st)
	}
	expect(t, c, "-ERR Dynomite: Dynomite's current state does not allow this request\r\n", "GET", "fl:k")

	fl.set(seedRecord(&tc.cfgs[1].Pool)+"|"+seedRecord(&tc.cfgs[2].Pool), http.StatusOK)
	end := time.Now().Add(5 * time.Second)
	for n0.State() != admin.Normal || n0.cluster.topo.Load().Nodes() != 3 {
		if time.Now().After(end) {
			t.Fatalf("node not NORMAL with 3 nodes 5 s after the list: %v, %d nodes", n0.State(), n0.cluster.topo.Load().Nodes())
		}
		time.Sleep(20 * time.Millisecond)
	}
	tc.waitMesh(10 * time.Second)
	expect(t, c, "+OK\r\n", "dyno_config:conn_consistency", "DC_QUORUM")
	expect(t, c, "+OK\r\n", "SET", "fl:k", "v")
	for j := 1; j < 3; j++ {
		if !tc.waitStored(j, "fl:k", "v", true, 3*time.Second) {
			t.Fatalf("write through the florida node not in the redis of node %d", j)
		}
	}

	// A failing service keeps the last good list.
	fl.set("", http.StatusInternalServerError)
	time.Sleep(3 * poll)
	if got := n0.cluster.topo.Load().Nodes(); got != 3 {
		t.Fatalf("ring after the provider failed: %d nodes; want 3 (the last good list)", got)
	}
	if st := n0.cluster.live.Poller().Stats(); st.Failures == 0 {
		t.Fatalf("provider failures not counted: %+v", st)
	}

	// Replace rack3's node by a new one at a new address, same token.
	tc.stop(tc.nodes[2])
	r3 := enginetest.Redis(t)
	port, err := enginetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg3 := testConfig(r3.Addr)
	*cfg3 = *tc.cfgs[2]
	cfg3.Pool.Servers = testConfig(r3.Addr).Pool.Servers
	cfg3.Pool.DynListen = tcpAddr(port)
	cfg3.Pool.Listen = tcpAddr(mustFreePort(t))
	cfg3.Pool.DynSeeds = []conf.Seed{
		{Addr: p0.DynListen, Rack: p0.Rack, DC: p0.Datacenter, Tokens: p0.Tokens},
		{Addr: tc.cfgs[1].Pool.DynListen, Rack: tc.cfgs[1].Pool.Rack, DC: tc.cfgs[1].Pool.Datacenter, Tokens: tc.cfgs[1].Pool.Tokens},
	}
	n3 := startNode(t, cfg3)
	_ = n3
	fl.set(seedRecord(&tc.cfgs[1].Pool)+"|"+seedRecord(&cfg3.Pool), http.StatusOK)
	changed := time.Now()
	newAddr := cfg3.Pool.DynListen.String()
	for {
		tp := n0.cluster.topo.Load()
		found := false
		for _, p := range tp.Peers {
			found = found || (p != nil && p.Addr == newAddr)
		}
		if found {
			break
		}
		if time.Since(changed) > 2*poll+time.Second {
			t.Fatalf("the replaced node is not in node 0's ring %v after the list changed", time.Since(changed))
		}
		time.Sleep(10 * time.Millisecond)
	}
	end = time.Now().Add(5 * time.Second)
	for k := 0; ; k++ {
		key := fmt.Sprint("fl:new:", k)
		got := do(t, c, "SET", key, "w")
		if got == "+OK\r\n" {
			rc := enginetest.DialTB(t, r3.Addr)
			r, err := rc.Do("GET", key)
			rc.Close()
			if err == nil && string(r.Str) == "w" {
				break
			}
		}
		if time.Now().After(end) {
			t.Fatalf("writes through node 0 do not reach the replacing node within 5 s; last reply %q", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustFreePort(t *testing.T) int {
	t.Helper()
	p, err := enginetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}
