package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/ring"
)

// In-process clusters: every node is a Node of this process in front of
// its own redis-server, talking to the others over loopback.

type member struct {
	dc, rack string
	tokens   []uint32
}

type testCluster struct {
	t     *testing.T
	cfgs  []*conf.Config
	nodes []*Node
	redis []*enginetest.Proc
	ring  *ring.Snapshot
	park  time.Duration // every node's Options.Park
}

func tcpAddr(port int) conf.Addr {
	return conf.Addr{Network: "tcp", Host: "127.0.0.1", Port: port, Raw: "127.0.0.1:" + strconv.Itoa(port)}
}

// startTestCluster starts one redis-server and one node per member;
// edit, when not nil, adjusts node i's configuration. It returns once
// every node has a connection to every peer.
func startTestCluster(t *testing.T, members []member, edit func(i int, p *conf.Pool)) *testCluster {
	t.Helper()
	return startTestClusterParked(t, members, edit, 0)
}

// startTestClusterParked is startTestCluster with every node's pollers
// parking for at most park (Options.Park; 0: the default, negative: off).
func startTestClusterParked(t *testing.T, members []member, edit func(i int, p *conf.Pool), park time.Duration) *testCluster {
	t.Helper()
	tc := &testCluster{t: t, park: park}
	ports := make([]int, len(members))
	for i := range members {
		p, err := enginetest.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = p
	}
	rn := make([]ring.Node, len(members))
	for i, m := range members {
		r := enginetest.Redis(t)
		tc.redis = append(tc.redis, r)
		cfg := testConfig(r.Addr)
		p := &cfg.Pool
		p.DynListen = tcpAddr(ports[i])
		p.Datacenter, p.Rack, p.Tokens = m.dc, m.rack, m.tokens
		p.Timeout = time.Second
		p.LocalPeerConnections, p.RemotePeerConnections = 1, 1
		p.Backlog = 128
		p.ReadConsistency, p.WriteConsistency = "DC_ONE", "DC_ONE"
		for j, o := range members {
			if j != i {
				p.DynSeeds = append(p.DynSeeds, conf.Seed{Addr: tcpAddr(ports[j]), Rack: o.rack, DC: o.dc, Tokens: o.tokens})
			}
		}
		if edit != nil {
			edit(i, p)
		}
		tc.cfgs = append(tc.cfgs, cfg)
		rn[i] = ring.Node{Name: p.DynListen.String(), DC: m.dc, Rack: m.rack, Tokens: m.tokens}
	}
	snap, err := ring.New(rn, 0, ring.Murmur, "")
	if err != nil {
		t.Fatal(err)
	}
	tc.ring = snap
	tc.nodes = make([]*Node, len(members))
	for i := range members {
		tc.start(i)
	}
	tc.waitMesh(10 * time.Second)
	return tc
}

// start (re)starts node i.
func (tc *testCluster) start(i int) {
	tc.t.Helper()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	n, err := New(Options{Config: tc.cfgs[i], Logger: log, Park: tc.park})
	if err != nil {
		tc.t.Fatalf("cannot create node %d: %v", i, err)
	}
	if err := n.Start(); err != nil {
		tc.t.Fatalf("cannot start node %d: %v", i, err)
	}
	tc.nodes[i] = n
	tc.t.Cleanup(func() { tc.stop(n) })
}

// stop shuts a node down (idempotent).
func (tc *testCluster) stop(n *Node) {
	if n.closing.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = n.Shutdown(ctx)
}

// waitMesh waits until every running node has every peer connection.
func (tc *testCluster) waitMesh(d time.Duration) {
	tc.t.Helper()
	end := time.Now().Add(d)
	for _, n := range tc.nodes {
		for _, p := range n.cluster.topo.Load().Peers {
			if p == nil {
				continue
			}
			for _, lk := range p.Links {
				for lk.Cur.Load() == nil && !lk.Lazy.Load() { // preconnect: false waits for a use
					if time.Now().After(end) {
						tc.t.Fatalf("peer %s not connected after %v", p.Addr, d)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		}
	}
}

func (tc *testCluster) client(i int) *enginetest.Client { return dial(tc.t, tc.nodes[i]) }

// stored reads key from node i's redis directly.
func (tc *testCluster) stored(i int, key string) (string, bool) {
	tc.t.Helper()
	c := enginetest.DialTB(tc.t, tc.redis[i].Addr)
	defer c.Close()
	r, err := c.Do("GET", key)
	if err != nil || r.IsError() {
		tc.t.Fatalf("redis %d: GET %q: %v %v", i, key, r, err)
	}
	return string(r.Str), !r.Null
}

// waitStored polls node i's redis until key is val (present) or gone
// (absent) within d.
func (tc *testCluster) waitStored(i int, key, val string, present bool, d time.Duration) bool {
	tc.t.Helper()
	end := time.Now().Add(d)
	for {
		v, ok := tc.stored(i, key)
		if ok == present && (!present || v == val) {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func threeRackMembers() []member {
	return []member{{"dc1", "rack1", []uint32{0}}, {"dc1", "rack2", []uint32{0}}, {"dc1", "rack3", []uint32{0}}}
}

func bulkOf(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }

// (a) 3 racks × 1 node: a write through any node is in every rack's redis
// and readable through every node.
func TestClusterWriteVisibleEverywhere(t *testing.T) {
	tc := startTestCluster(t, threeRackMembers(), nil)
	for i := range tc.nodes {
		c := tc.client(i)
		for k := 0; k < 10; k++ {
			expect(t, c, "+OK\r\n", "SET", fmt.Sprintf("a:%d:%d", i, k), fmt.Sprintf("v%d", k))
		}
	}
	for i := range tc.nodes {
		for j := range tc.nodes {
			for k := 0; k < 10; k++ {
				key := fmt.Sprintf("a:%d:%d", i, k)
				if !tc.waitStored(j, key, fmt.Sprintf("v%d", k), true, 3*time.Second) {
					t.Fatalf("%q written through node %d is not in the redis of node %d", key, i, j)
				}
			}
		}
	}
	for j := range tc.nodes {
		c := tc.client(j)
		for i := range tc.nodes {
			expect(t, c, bulkOf("v3"), "GET", fmt.Sprintf("a:%d:3", i))
		}
	}
	expect(t, tc.client(1), ":1\r\n", "DEL", "a:0:0")
	for j := range tc.nodes {
		if !tc.waitStored(j, "a:0:0", "", false, 3*time.Second) {
			t.Fatalf("DEL through node 1: key still in the redis of node %d", j)
		}
	}
}

// (b) 2 nodes in one rack with tokens 0 and 2^31: every key is in exactly
// its owner's redis and readable through both nodes.
func TestClusterTwoNodesOneRack(t *testing.T) {
	members := []member{{"dc1", "rack1", []uint32{0}}, {"dc1", "rack1", []uint32{2147483648}}}
	tc := startTestCluster(t, members, nil)
	cs := []*enginetest.Client{tc.client(0), tc.client(1)}
	owned := [2]int{}
	for k := 0; k < 60; k++ {
		key := fmt.Sprint("b:", k)
		expect(t, cs[k%2], "+OK\r\n", "SET", key, "v"+key)
	}
	for k := 0; k < 60; k++ {
		key := fmt.Sprint("b:", k)
		own := tc.ring.Owner(0, 0, tc.ring.Token([]byte(key)))
		owned[own]++
		if v, ok := tc.stored(own, key); !ok || v != "v"+key {
			t.Fatalf("%q not in the redis of its owner %d (got %q %v)", key, own, v, ok)
		}
		if _, ok := tc.stored(1-own, key); ok {
			t.Fatalf("%q also in the redis of node %d, which does not own it", key, 1-own)
		}
		for _, c := range cs {
			expect(t, c, bulkOf("v"+key), "GET", key)
		}
	}
	if owned[0] == 0 || owned[1] == 0 {
		t.Fatalf("unexpected spread %v", owned)
	}
}

const (
	peerNotConnected = "-ERR Peer: Peer Node is not connected\r\n"
	peerRefused      = "-ERR Peer: Peer Node refused connection\r\n"
)

// (e) peers down: DC_ONE keeps working, quorum levels answer from the
// survivors, then a peer error; restarted peers are used again.
func TestClusterPeerDownAndBack(t *testing.T) {
	tc := startTestCluster(t, threeRackMembers(), nil)
	one, q := tc.client(0), tc.client(0)
	expect(t, q, "+OK\r\n", "dyno_config:conn_consistency", "DC_QUORUM")
	expect(t, q, "+OK\r\n", "SET", "e:k", "v0")

	tc.stop(tc.nodes[2])
	for k := 0; k < 5; k++ {
		expect(t, one, "+OK\r\n", "SET", fmt.Sprint("e:one:", k), "x")
		expect(t, one, bulkOf("x"), "GET", fmt.Sprint("e:one:", k))
		expect(t, q, "+OK\r\n", "SET", fmt.Sprint("e:q:", k), "y")
		expect(t, q, bulkOf("y"), "GET", fmt.Sprint("e:q:", k))
	}

	tc.stop(tc.nodes[1])
	expect(t, one, "+OK\r\n", "SET", "e:alone", "z")
	expect(t, one, bulkOf("z"), "GET", "e:alone")
	for k := 0; k < 3; k++ {
		for _, args := range [][]string{{"GET", "e:k"}, {"SET", "e:lost", "1"}, {"MGET", "e:k", "e:q:1", "e:q:2"}} {
			start := time.Now()
			got := do(t, q, args...)
			if got != peerNotConnected && got != peerRefused && got != peerDown {
				t.Fatalf("%v at DC_QUORUM with 2 of 3 racks down: got %q; want a peer error", args, got)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("%v answered after %v", args, d)
			}
		}
	}

	tc.start(1)
	tc.start(2)
	end := time.Now().Add(15 * time.Second)
	for {
		got := do(t, q, "GET", "e:k")
		if got == bulkOf("v0") {
			break
		}
		if got != peerNotConnected && got != peerRefused && got != peerDown {
			t.Fatalf("GET while peers come back: unexpected %q", got)
		}
		if time.Now().After(end) {
			t.Fatalf("restarted peers not used again within 15 s; last %q", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	tc.waitMesh(15 * time.Second) // both restarted peers, not only the first
	expect(t, q, "+OK\r\n", "SET", "e:back", "1")
	for j := range tc.nodes {
		if !tc.waitStored(j, "e:back", "1", true, 3*time.Second) {
			t.Fatalf("write after the restart not in the redis of node %d", j)
		}
	}
}

// Quorum levels with replicas that disagree.
func TestClusterQuorumLevels(t *testing.T) {
	tc := startTestCluster(t, threeRackMembers(), nil)
	q, s, one := tc.client(0), tc.client(0), tc.client(0)
	expect(t, q, "+OK\r\n", "dyno_config:conn_consistency", "DC_QUORUM")
	expect(t, s, "+OK\r\n", "dyno_config:conn_consistency", "dc_safe_quorum")
	expect(t, q, "+OK\r\n", "SET", "q:k", "v1")
	for j := range tc.nodes {
		if !tc.waitStored(j, "q:k", "v1", true, 3*time.Second) {
			t.Fatalf("quorum write not in the redis of node %d", j)
		}
	}
	direct := func(i int, val string) {
		c := enginetest.DialTB(t, tc.redis[i].Addr)
		defer c.Close()
		expect(t, c, "+OK\r\n", "SET", "q:k", val)
	}
	direct(0, "other")
	expect(t, q, bulkOf("v1"), "GET", "q:k")
	expect(t, s, bulkOf("v1"), "GET", "q:k")
	expect(t, one, bulkOf("other"), "GET", "q:k")
	direct(1, "b")
	direct(2, "c")
	expect(t, s, "-ERR Dynomite: Failed to achieve Quorum\r\n", "GET", "q:k")
	if got := do(t, q, "GET", "q:k"); got != bulkOf("other") && got != bulkOf("b") && got != bulkOf("c") {
		t.Fatalf("DC_QUORUM with three values: unexpected %q", got)
	}
	expect(t, s, "-ERR Dynomite: invalid consistency level\r\n", "dyno_config:conn_consistency", "DC_TWO")
}

// Multi-key commands over keys of different owners, with values and
// replies far larger than one buffer.
func TestClusterMultiKey(t *testing.T) {
	members := []member{
		{"dc1", "rack1", []uint32{0}}, {"dc1", "rack1", []uint32{2147483648}},
		{"dc1", "rack2", []uint32{0}}, {"dc1", "rack2", []uint32{2147483648}},
	}
	tc := startTestCluster(t, members, nil)
	c := tc.client(0)
	args := []string{"MSET"}
	vals := map[string]string{}
	for k := 0; k < 30; k++ {
		key := fmt.Sprint("m:", k)
		vals[key] = strings.Repeat(fmt.Sprintf("<%d>", k), 20000/4)
		args = append(args, key, vals[key])
	}
	expect(t, c, "+OK\r\n", args...)
	query := []string{"MGET", "m:29", "m:none", "m:3", "m:3", "m:0", "m:17"}
	var want strings.Builder
	fmt.Fprintf(&want, "*%d\r\n", len(query)-1)
	for _, k := range query[1:] {
		if v, ok := vals[k]; ok {
			want.WriteString(bulkOf(v))
		} else {
			want.WriteString("$-1\r\n")
		}
	}
	for i := range tc.nodes {
		ci := tc.client(i)
		expect(t, ci, want.String(), query...)
		expect(t, ci, ":4\r\n", "EXISTS", "m:29", "m:none", "m:3", "m:0", "m:17")
	}
	qc := tc.client(1)
	expect(t, qc, "+OK\r\n", "dyno_config:conn_consistency", "DC_QUORUM")
	expect(t, qc, want.String(), query...)
	expect(t, c, ":3\r\n", "DEL", "m:3", "m:0", "m:none", "m:17")
	expect(t, qc, ":1\r\n", "EXISTS", "m:3", "m:0", "m:17", "m:29")
	for _, k := range []string{"m:3", "m:0", "m:17"} {
		for j := range tc.nodes {
			if !tc.waitStored(j, k, "", false, 3*time.Second) {
				t.Fatalf("DEL: %q still in the redis of node %d", k, j)
			}
		}
	}
}

// Raw dnode frames on the peer port: the examples of docs/compat.md §5.1, garbage before a
// frame, and a payload that is not RESP (the connection closes, the node
// lives on).
func TestPeerFrames(t *testing.T) {
	tc := startTestCluster(t, []member{{"dc1", "rack1", []uint32{0}}, {"dc1", "rack2", []uint32{0}}}, nil)
	pc, err := net.Dial("tcp", tc.nodes[0].PeerAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	_ = pc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := pc.Write([]byte("   $2014$ 1 3 0 1 1 *1 d *0\r\n*3\r\n$3\r\nset\r\n$4\r\nfoo1\r\n$4\r\nbar1\r\n" +
		"xx garbage   $2014$ 17 3 0 1 1 *1 d *22\r\n*2\r\n$3\r\nget\r\n$4\r\nfoo1\r\n")); err != nil {
		t.Fatal(err)
	}
	want := "   $2014$ 1 5 0 1 1 *1 d *5\r\n+OK\r\n   $2014$ 17 5 0 1 1 *1 d *10\r\n$4\r\nbar1\r\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(pc, got); err != nil {
		t.Fatalf("cannot read the replies: %v (got %q)", err, got)
	}
	if string(got) != want {
		t.Fatalf("unexpected reply frames; got %q; want %q", got, want)
	}
	// DMSG_REQ runs on the receiver only.
	if _, ok := tc.stored(1, "foo1"); ok {
		t.Fatalf("a DMSG_REQ was replicated to another rack")
	}
	for _, junk := range []string{
		"   $2014$ 2 3 0 1 1 *1 d *0\r\n*1\r\n$x\r\n",
		"   $2014$ 99999999999999999999999 3 0 1 1 *1 d *0\r\n",
		"   $2014$ 3 3 1 1 1 *1 d *4\r\nabcd",
		"   $2014$ 4 7 0 1 1 *1 a *5\r\nhello",
	} {
		bad, err := net.Dial("tcp", tc.nodes[0].PeerAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = bad.Write([]byte(junk))
		_ = bad.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, _ = bad.Read(make([]byte, 64))
		bad.Close()
	}
	expect(t, tc.client(0), bulkOf("bar1"), "GET", "foo1")
}

// A node listed in its own dyn_seeds is not its own peer.
func TestTopologySkipsSelfSeed(t *testing.T) {
	cfg := testConfig("127.0.0.1:1")
	p := &cfg.Pool
	p.DynListen = tcpAddr(7001)
	p.Datacenter, p.Rack, p.Tokens = "dc1", "rack1", []uint32{0}
	p.DynSeeds = []conf.Seed{
		{Addr: tcpAddr(7001), Rack: "rack1", DC: "dc1", Tokens: []uint32{0}},
		{Addr: tcpAddr(7002), Rack: "rack2", DC: "dc1", Tokens: []uint32{0}},
	}
	n, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatalf("unexpected error for a node among its own seeds: %v", err)
	}
	topo := n.cluster.topo.Load()
	if topo.Nodes() != 2 || topo.Solo || topo.Peers[1] == nil || topo.Peers[1].Seed != 1 {
		t.Fatalf("unexpected topology: %d nodes, solo %v, peers %v", topo.Nodes(), topo.Solo, topo.Peers)
	}
}

// Two DCs: a write in dc1 reaches dc2 through one DMSG_REQ_FORWARD, which
// dc2's node replicates to its other rack; DC_EACH_SAFE_QUORUM reads need
// every DC and fail once dc2 is gone.
func TestClusterTwoDCs(t *testing.T) {
	members := []member{{"dc1", "rack1", []uint32{0}}, {"dc2", "rack1", []uint32{0}}, {"dc2", "rack2", []uint32{0}}}
	tc := startTestCluster(t, members, nil)
	c := tc.client(0)
	expect(t, c, "+OK\r\n", "SET", "dc:k", "v")
	for j := range tc.nodes {
		if !tc.waitStored(j, "dc:k", "v", true, 8*time.Second) {
			t.Fatalf("write in dc1 not in the redis of node %d", j)
		}
	}
	each := tc.client(0)
	expect(t, each, "+OK\r\n", "dyno_config:conn_consistency", "DC_EACH_SAFE_QUORUM")
	expect(t, each, bulkOf("v"), "GET", "dc:k")
	tc.stop(tc.nodes[1])
	tc.stop(tc.nodes[2])
	if got := do(t, each, "GET", "dc:k"); got != peerNotConnected && got != peerRefused {
		t.Fatalf("DC_EACH_SAFE_QUORUM GET with dc2 down: got %q; want a peer error", got)
	}
	expect(t, c, bulkOf("v"), "GET", "dc:k")
	expect(t, c, "+OK\r\n", "SET", "dc:k2", "w") // the remote copy is dropped, not an error
}
