package membership_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/gossip"
	"github.com/dynomite-go/dynomite/ring/seeds"
)

var t0 = time.Unix(1_700_000_000, 0)

const interval = time.Second

// gnode is one node of the in-memory network.
type gnode struct {
	g     *membership.Gossiper
	snap  *ring.Snapshot // last snapshot from OnChange
	state gossip.State   // last state from OnState
}

// network delivers Tick's messages straight to Receive; down nodes
// neither send nor receive.
type network struct {
	t     *testing.T
	nodes map[string]*gnode
	down  map[string]bool
	order []string
}

func newNetwork(t *testing.T) *network {
	return &network{t: t, nodes: map[string]*gnode{}, down: map[string]bool{}}
}

// add starts a node at addr (dc/rack/token) knowing peers.
func (nw *network) add(addr, dc, rack string, token uint32, peers []ring.Node, seed uint64) *gnode {
	nw.t.Helper()
	n := &gnode{}
	g, err := membership.NewGossiper(membership.GossipConfig{
		Self:     ring.Node{Name: addr, Addr: addr, DC: dc, Rack: rack, Tokens: []uint32{token}},
		Peers:    peers,
		Enabled:  true,
		Interval: interval,
		Hash:     ring.Murmur,
		Rand:     rand.New(rand.NewPCG(seed, 7)),
		OnChange: func(s *ring.Snapshot) { n.snap = s },
		OnState:  func(st gossip.State) { n.state = st },
	})
	if err != nil {
		nw.t.Fatalf("cannot make gossiper %s: %v", addr, err)
	}
	n.g = g
	nw.nodes[addr] = n
	nw.order = append(nw.order, addr)
	return n
}

// round ticks every live node at now and delivers what it sends.
func (nw *network) round(now time.Time) {
	for _, from := range nw.order {
		if nw.down[from] {
			continue
		}
		for _, m := range nw.nodes[from].g.Tick(now) {
			to, ok := nw.nodes[m.To]
			if !ok || nw.down[m.To] {
				continue
			}
			if err := to.g.Receive(from, m.Payload, now); err != nil {
				nw.t.Fatalf("unexpected error from %s to %s: %v", from, m.To, err)
			}
		}
	}
}

// view is a table without timestamps and the local flag: what every node
// must agree on.
func view(g *membership.Gossiper) string {
	var b strings.Builder
	for _, m := range g.Table() {
		fmt.Fprintf(&b, "%s$%s$%d,%s,%s|", m.DC, m.Rack, m.Token, m.State, m.Addr)
	}
	return b.String()
}

// converged reports whether every live node has the same view, with want
// rows, all NORMAL, and is NORMAL itself.
func (nw *network) converged(want int) bool {
	var first string
	for i, addr := range nw.liveOrder() {
		g := nw.nodes[addr].g
		v := view(g)
		if i == 0 {
			first = v
		}
		if v != first || len(g.Table()) != want || g.State() != gossip.Normal || strings.Contains(v, ",JOINING,") || strings.Contains(v, ",DOWN,") {
			return false
		}
	}
	return true
}

func (nw *network) liveOrder() []string {
	var out []string
	for _, a := range nw.order {
		if !nw.down[a] {
			out = append(out, a)
		}
	}
	return out
}

func node(addr, dc, rack string, token uint32) ring.Node {
	return ring.Node{Name: addr, Addr: addr, DC: dc, Rack: rack, Tokens: []uint32{token}}
}

func TestGossipConverges(t *testing.T) {
	a := node("127.0.0.1:8101", "dc1", "r1", 100)
	b := node("127.0.0.1:8102", "dc1", "r2", 100)
	c := node("127.0.0.1:8103", "dc2", "r1", 200)
	// Same port everywhere: records carry the host alone, as C writes them.
	ca := node("10.0.0.1:8101", "dc1", "r1", 100)
	cb := node("10.0.0.2:8101", "dc1", "r1", 2000)
	cc := node("10.0.0.3:8101", "dc1", "r2", 100)
	cases := []struct {
		name   string
		nodes  []ring.Node
		peers  [][]ring.Node // what each node knows at start
		rounds int
	}{
		{"two nodes", []ring.Node{a, b}, [][]ring.Node{{b}, {a}}, 10},
		{"three nodes", []ring.Node{a, b, c}, [][]ring.Node{{b, c}, {a, c}, {a, b}}, 20},
		{"a node that knows only a seed is learnt by all", []ring.Node{a, b, c}, [][]ring.Node{{b}, {a}, {a}}, 30},
		{"host-only records on one port", []ring.Node{ca, cb, cc}, [][]ring.Node{{cb, cc}, {ca}, {ca}}, 30},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nw := newNetwork(t)
			for i, n := range tc.nodes {
				nw.add(n.Addr, n.DC, n.Rack, n.Tokens[0], tc.peers[i], uint64(i+1))
			}
			now := t0
			r := 0
			for ; r < tc.rounds && !nw.converged(len(tc.nodes)); r++ {
				now = now.Add(interval)
				nw.round(now)
			}
			if !nw.converged(len(tc.nodes)) {
				for _, addr := range nw.order {
					t.Logf("%s: %s %s", addr, nw.nodes[addr].g.State(), view(nw.nodes[addr].g))
				}
				t.Fatalf("unexpected divergence after %d rounds", tc.rounds)
			}
			t.Logf("converged in %d rounds", r)
			for _, addr := range nw.order {
				n := nw.nodes[addr]
				if n.state != gossip.Normal {
					t.Errorf("unexpected OnState for %s; got %s; want NORMAL", addr, n.state)
				}
				s, err := n.g.Snapshot()
				if err != nil || s.Nodes() != len(tc.nodes) || s.Node(0).Addr != addr {
					t.Errorf("unexpected snapshot of %s: %v, %v", addr, s, err)
				}
			}
		})
	}
}

func TestGossipFollowsReplacedNode(t *testing.T) {
	a := node("127.0.0.1:8101", "dc1", "r1", 100)
	b := node("127.0.0.1:8102", "dc1", "r2", 100)
	c := node("127.0.0.1:8103", "dc1", "r3", 100)
	nw := newNetwork(t)
	nw.add(a.Addr, a.DC, a.Rack, 100, []ring.Node{b, c}, 1)
	nw.add(b.Addr, b.DC, b.Rack, 100, []ring.Node{a, c}, 2)
	nw.add(c.Addr, c.DC, c.Rack, 100, []ring.Node{a, b}, 3)
	now := t0
	for r := 0; r < 20 && !nw.converged(3); r++ {
		now = now.Add(interval)
		nw.round(now)
	}
	if !nw.converged(3) {
		t.Fatalf("unexpected divergence before the swap")
	}
	// c dies; c2 takes its token at a new address, knowing a and b.
	nw.down[c.Addr] = true
	const c2 = "127.0.0.1:9103"
	nw.add(c2, "dc1", "r3", 100, []ring.Node{a, b}, 4)
	for r := 0; r < 30 && !nw.converged(3); r++ {
		now = now.Add(interval)
		nw.round(now)
	}
	if !nw.converged(3) {
		t.Fatalf("unexpected divergence after the swap")
	}
	for _, addr := range []string{a.Addr, b.Addr} {
		n := nw.nodes[addr]
		if v := view(n.g); !strings.Contains(v, c2) || strings.Contains(v, c.Addr) {
			t.Errorf("unexpected table of %s; got %s; want %s in place of %s", addr, v, c2, c.Addr)
		}
		if n.snap == nil || n.snap.FindNode(c2) < 0 || n.snap.FindNode(c.Addr) >= 0 {
			t.Errorf("unexpected last snapshot of %s: %v", addr, n.snap)
		}
		if st := n.g.Stats(); st.Readdressed != 1 {
			t.Errorf("unexpected Readdressed of %s; got %d; want 1", addr, st.Readdressed)
		}
	}
	// An old table still naming c at its old address does not move it back.
	old := fmt.Sprintf("dc1$r3$100,%d,4,%s", t0.Unix()+5, c.Addr)
	if err := nw.nodes[a.Addr].g.Receive("x", []byte(old), now); err != nil {
		t.Fatal(err)
	}
	if v := view(nw.nodes[a.Addr].g); !strings.Contains(v, c2) {
		t.Errorf("unexpected move back to the old address: %s", v)
	}
}

func newSolo(t *testing.T, mod func(*membership.GossipConfig)) (*membership.Gossiper, *[]*ring.Snapshot) {
	t.Helper()
	var snaps []*ring.Snapshot
	cfg := membership.GossipConfig{
		Self:     node("127.0.0.1:8101", "dc1", "r1", 100),
		Peers:    []ring.Node{node("127.0.0.1:8102", "dc1", "r2", 100)},
		Enabled:  true,
		Interval: interval,
		Hash:     ring.Murmur,
		OnChange: func(s *ring.Snapshot) { snaps = append(snaps, s) },
	}
	if mod != nil {
		mod(&cfg)
	}
	g, err := membership.NewGossiper(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g, &snaps
}

func TestGossipReceive(t *testing.T) {
	ts := t0.Unix()
	flood := make([]string, 1000)
	for i := range flood {
		flood[i] = fmt.Sprintf("dc9$r$%d,%d,4,10.9.%d.%d", i, ts, i/250, i%250+1)
	}
	cases := []struct {
		name      string
		payloads  []string
		wantErr   bool
		wantTable string // view after the payloads
		wantSnaps int
		want      membership.GossipStats // counters compared: see below
	}{
		{"unknown node added",
			[]string{fmt.Sprintf("dc2$r1$5,%d,4,127.0.0.1:8105", ts)}, false,
			"dc1$r1$100,NORMAL,127.0.0.1:8101|dc1$r2$100,DOWN,127.0.0.1:8102|dc2$r1$5,NORMAL,127.0.0.1:8105|", 1,
			membership.GossipStats{Added: 1}},
		{"host without a port takes this node's port",
			[]string{fmt.Sprintf("dc2$r1$5,%d,7,127.0.0.9", ts)}, false,
			"dc1$r1$100,NORMAL,127.0.0.1:8101|dc1$r2$100,DOWN,127.0.0.1:8102|dc2$r1$5,JOINING,127.0.0.9:8101|", 1,
			membership.GossipStats{Added: 1}},
		{"newer state updates, older is ignored",
			[]string{fmt.Sprintf("dc1$r2$100,%d,4,127.0.0.1:8102", ts), fmt.Sprintf("dc1$r2$100,%d,8,127.0.0.1:8102", ts-1)}, false,
			"dc1$r1$100,NORMAL,127.0.0.1:8101|dc1$r2$100,NORMAL,127.0.0.1:8102|", 0,
			membership.GossipStats{Updated: 1}},
		{"known token at a new address is followed",
			[]string{fmt.Sprintf("dc1$r2$100,%d,4,127.0.0.1:9102", ts)}, false,
			"dc1$r1$100,NORMAL,127.0.0.1:8101|dc1$r2$100,NORMAL,127.0.0.1:9102|", 1,
			membership.GossipStats{Readdressed: 1}},
		{"this node's token at another address is ignored",
			[]string{fmt.Sprintf("dc1$r1$100,%d,4,127.0.0.1:9999", ts)}, false,
			"dc1$r1$100,NORMAL,127.0.0.1:8101|dc1$r2$100,DOWN,127.0.0.1:8102|", 0,
			membership.GossipStats{SelfConflicts: 1}},
		{"this node's own record is no conflict",
			[]string{fmt.Sprintf("dc1$r1$100,%d,4,127.0.0.1:8101", ts)}, false,
			"dc1$r1$100,NORMAL,127.0.0.1:8101|dc1$r2$100,DOWN,127.0.0.1:8102|", 0,
			membership.GossipStats{}},
		{"this node's address at another position is ignored",
			[]string{fmt.Sprintf("dc3$r1$7,%d,4,127.0.0.1:8101", ts)}, false,
			"dc1$r1$100,NORMAL,127.0.0.1:8101|dc1$r2$100,DOWN,127.0.0.1:8102|", 0,
			membership.GossipStats{SelfConflicts: 1}},
		{"an address another node holds is ignored",
			[]string{fmt.Sprintf("dc3$r1$7,%d,4,127.0.0.1:8102", ts)}, false,
			"dc1$r1$100,NORMAL,127.0.0.1:8101|dc1$r2$100,DOWN,127.0.0.1:8102|", 0,
			membership.GossipStats{Conflicts: 1}},
		{"bad records are skipped, good ones kept",
			[]string{fmt.Sprintf("garbage|dc2$r1$x,1,4,h|dc2$r1$5,%d,4,127.0.0.1:8105|dc$r$1,1,99,h", ts)}, false,
			"dc1$r1$100,NORMAL,127.0.0.1:8101|dc1$r2$100,DOWN,127.0.0.1:8102|dc2$r1$5,NORMAL,127.0.0.1:8105|", 1,
			membership.GossipStats{BadRecords: 3, Added: 1}},
		{"a payload over the limits is refused whole",
			[]string{strings.Repeat("x", 1<<20)}, true,
			"dc1$r1$100,JOINING,127.0.0.1:8101|dc1$r2$100,DOWN,127.0.0.1:8102|", 0,
			membership.GossipStats{BadPayloads: 1}},
		{"a flood of records is bounded by MaxNodes",
			[]string{strings.Join(flood, "|")}, false,
			"", 1,
			membership.GossipStats{Added: 14, Full: 986}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, snaps := newSolo(t, func(c *membership.GossipConfig) { c.MaxNodes = 16 })
			var err error
			for _, p := range tc.payloads {
				if e := g.Receive("peer", []byte(p), t0); e != nil {
					err = e
				}
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("unexpected error %v; want error %v", err, tc.wantErr)
			}
			if tc.wantTable != "" {
				if got := view(g); got != tc.wantTable {
					t.Errorf("unexpected table\ngot  %s\nwant %s", got, tc.wantTable)
				}
			} else if n := len(g.Table()); n != 16 {
				t.Errorf("unexpected table size; got %d; want 16", n)
			}
			if len(*snaps) != tc.wantSnaps {
				t.Errorf("unexpected snapshots; got %d; want %d", len(*snaps), tc.wantSnaps)
			}
			st := g.Stats()
			got := membership.GossipStats{Added: st.Added, Readdressed: st.Readdressed, Updated: st.Updated,
				SelfConflicts: st.SelfConflicts, Conflicts: st.Conflicts, Full: st.Full, BadRecords: st.BadRecords, BadPayloads: st.BadPayloads}
			if got != tc.want {
				t.Errorf("unexpected stats; got %+v; want %+v", got, tc.want)
			}
			wantState := gossip.Normal
			if tc.wantErr {
				wantState = gossip.Joining
			}
			if g.State() != wantState {
				t.Errorf("unexpected state; got %s; want %s", g.State(), wantState)
			}
		})
	}
}

func TestGossipTick(t *testing.T) {
	g, _ := newSolo(t, func(c *membership.GossipConfig) {
		c.Peers = append(c.Peers, node("127.0.0.1:8103", "dc1", "r3", 100))
	})
	// JOINING: the announcement to every peer, then two quiet intervals.
	msgs := g.Tick(t0)
	want := fmt.Sprintf("dc1$r1$100,%d,7,127.0.0.1:8101", t0.Unix())
	if len(msgs) != 2 || msgs[0].To != "127.0.0.1:8102" || msgs[1].To != "127.0.0.1:8103" || string(msgs[0].Payload) != want {
		t.Fatalf("unexpected announcement %q; want %q to both peers", msgs, want)
	}
	for _, d := range []time.Duration{interval, 2*interval - 1} {
		if m := g.Tick(t0.Add(d)); m != nil {
			t.Fatalf("unexpected send during the pause at +%s: %q", d, m)
		}
	}
	if m := g.Tick(t0.Add(2 * interval)); len(m) != 2 {
		t.Fatalf("unexpected %d messages after the pause; want 2 announcements", len(m))
	}
	// NORMAL: the state table to one peer; a peer never heard from for 40
	// intervals is DOWN in it.
	now := t0.Add(100 * interval)
	if err := g.Receive("p", []byte(fmt.Sprintf("dc1$r2$100,%d,4,127.0.0.1:8102", now.Unix()-30)), now); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i := range 40 {
		at := now.Add(time.Duration(i) * interval)
		msgs := g.Tick(at)
		if len(msgs) != 1 {
			t.Fatalf("unexpected %d messages in a NORMAL round; want 1", len(msgs))
		}
		seen[msgs[0].To]++
		if i == 0 {
			want := fmt.Sprintf("dc1$r1$100,%d,4,127.0.0.1:8101|dc1$r2$100,%d,4,127.0.0.1:8102|dc1$r3$100,1010101,8,127.0.0.1:8103",
				at.Unix(), now.Unix()-30)
			if string(msgs[0].Payload) != want {
				t.Fatalf("unexpected state table\ngot  %s\nwant %s", msgs[0].Payload, want)
			}
		}
	}
	if seen["127.0.0.1:8102"] == 0 || seen["127.0.0.1:8103"] == 0 || seen["127.0.0.1:8101"] != 0 {
		t.Errorf("unexpected peer choice %v", seen)
	}
	last := g.Tick(now.Add(40 * interval))
	if !strings.Contains(string(last[0].Payload), "127.0.0.1:8101|dc1$r2$100,"+fmt.Sprint(now.Unix()-30)+",8,") {
		t.Errorf("unexpected table after 40 intervals of silence: %s", last[0].Payload)
	}
}

func TestGossipTickIdle(t *testing.T) {
	cases := []struct {
		name  string
		mod   func(*membership.GossipConfig)
		state gossip.State
		want  gossip.State
	}{
		{"disabled: NORMAL from the start, nothing sent", func(c *membership.GossipConfig) { c.Enabled = false }, 0, gossip.Normal},
		{"alone: NORMAL, nothing sent", func(c *membership.GossipConfig) { c.Peers = nil }, 0, gossip.Normal},
		{"standby: nothing sent", nil, gossip.Standby, gossip.Standby},
		{"writes only: nothing sent", nil, gossip.WritesOnly, gossip.WritesOnly},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, _ := newSolo(t, tc.mod)
			if tc.state != 0 {
				g.SetState(tc.state)
			}
			if m := g.Tick(t0); m != nil {
				t.Errorf("unexpected messages %q", m)
			}
			if g.State() != tc.want {
				t.Errorf("unexpected state; got %s; want %s", g.State(), tc.want)
			}
		})
	}
}

func TestGossipDetector(t *testing.T) {
	g, _ := newSolo(t, func(c *membership.GossipConfig) {
		c.Peers = append(c.Peers, node("127.0.0.1:8103", "dc1", "r3", 100))
	})
	snap, err := g.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, snap.Nodes())
	for i := range names {
		names[i] = snap.Node(i).Name
	}
	d := membership.NewDetector(membership.DetectorConfig{AutoEject: true, FailureLimit: 3, RetryTimeout: time.Minute}, names)
	g.SetDetector(d)
	b := snap.FindNode("127.0.0.1:8102")
	c := snap.FindNode("127.0.0.1:8103")
	steps := []struct {
		rec        string
		upB, upC   bool
		wantEjects uint64
	}{
		{"dc1$r2$100,%d,8,127.0.0.1:8102", false, true, 1}, // gossip says DOWN (the table had DOWN from the start: newer wins)
		{"dc1$r2$100,%d,4,127.0.0.1:8102", true, true, 1},
		{"dc1$r3$100,%d,8,127.0.0.1:8103", true, false, 1},
		{"dc1$r3$100,%d,7,127.0.0.1:8103", true, false, 1}, // JOINING changes nothing
	}
	for i, s := range steps {
		now := t0.Add(time.Duration(i+1) * interval)
		if err := g.Receive("p", []byte(fmt.Sprintf(s.rec, now.Unix())), now); err != nil {
			t.Fatal(err)
		}
		if d.Up(b) != s.upB || d.Up(c) != s.upC || d.Ejects(b) != s.wantEjects {
			t.Errorf("step %d: unexpected detector; got up %v/%v ejects %d; want %v/%v %d", i, d.Up(b), d.Up(c), d.Ejects(b), s.upB, s.upC, s.wantEjects)
		}
	}
}

func TestGossipSeeds(t *testing.T) {
	g, snaps := newSolo(t, nil)
	list, _, err := seeds.Parse("127.0.0.1:8101:r1:dc1:100|127.0.0.1:7102:r2:dc1:100|127.0.0.1:8104:r4:dc1:100", seeds.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	g.Seeds(list, t0)
	want := "dc1$r1$100,JOINING,127.0.0.1:8101|dc1$r2$100,NORMAL,127.0.0.1:7102|dc1$r4$100,NORMAL,127.0.0.1:8104|"
	if got := view(g); got != want {
		t.Errorf("unexpected table\ngot  %s\nwant %s", got, want)
	}
	if len(*snaps) != 1 || (*snaps)[0].Nodes() != 3 {
		t.Errorf("unexpected snapshots %v", *snaps)
	}
}

// TestGossipSeedsSameSecond: gossip about a node's old address heard in
// the second a provider moves it neither blocks nor undoes the move.
func TestGossipSeedsSameSecond(t *testing.T) {
	g, snaps := newSolo(t, nil)
	rec := fmt.Sprintf("dc1$r2$100,%d,4,127.0.0.1:7102", t0.Unix())
	if err := g.Receive("p", []byte(rec), t0); err != nil {
		t.Fatal(err)
	}
	list, _, err := seeds.Parse("127.0.0.1:7202:r2:dc1:100", seeds.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	g.Seeds(list, t0)
	if err := g.Receive("p", []byte(rec), t0); err != nil {
		t.Fatal(err)
	}
	want := "dc1$r1$100,NORMAL,127.0.0.1:8101|dc1$r2$100,NORMAL,127.0.0.1:7202|"
	if got := view(g); got != want {
		t.Errorf("unexpected table\ngot  %s\nwant %s", got, want)
	}
	if st := g.Stats(); st.Readdressed != 2 || len(*snaps) != 2 {
		t.Errorf("unexpected stats %+v, %d snapshots; want 2 readdresses (gossip, then the provider), 2 snapshots", st, len(*snaps))
	}
}

func TestAppendFrame(t *testing.T) {
	golden, err := os.ReadFile("../../codec/dnode/testdata/gossip_syn.golden")
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte("dc1$rack1$2147483648,1700000000,2,10.0.0.2:8101")
	if got := membership.AppendFrame(nil, 3, true, payload); !slices.Equal(got, golden) {
		t.Errorf("unexpected frame\ngot  %q\nwant %q", got, golden)
	}
}

func TestGossipHostOnlyRecords(t *testing.T) {
	cases := []struct {
		name, broadcast, want string
	}{
		{"the listen host", "", "dc1$r1$100,%d,7,10.0.0.1"},
		{"the broadcast address", "ec2-1-2-3-4.compute.example", "dc1$r1$100,%d,7,ec2-1-2-3-4.compute.example"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, _ := newSolo(t, func(c *membership.GossipConfig) {
				c.Self = node("10.0.0.1:8101", "dc1", "r1", 100)
				c.Peers = []ring.Node{node("10.0.0.2:8101", "dc1", "r2", 100)}
				c.Broadcast = tc.broadcast
			})
			msgs := g.Tick(t0)
			if want := fmt.Sprintf(tc.want, t0.Unix()); len(msgs) != 1 || string(msgs[0].Payload) != want {
				t.Fatalf("unexpected announcement %q; want %q", msgs, want)
			}
		})
	}
}

type chanTransport chan membership.Message

func (c chanTransport) Send(peer string, payload []byte) {
	select {
	case c <- membership.Message{To: peer, Payload: payload}:
	default:
	}
}

func TestGossipRun(t *testing.T) {
	g, _ := newSolo(t, func(c *membership.GossipConfig) { c.Interval = 5 * time.Millisecond })
	tr := make(chanTransport, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { g.Run(ctx, tr); close(done) }()
	select {
	case m := <-tr:
		if m.To != "127.0.0.1:8102" || !strings.HasPrefix(string(m.Payload), "dc1$r1$100,") {
			t.Errorf("unexpected message %q", m)
		}
	case <-time.After(5 * time.Second):
		t.Error("unexpected silence: no announcement within 5 s")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("unexpected Run still going 5 s after cancel")
	}
}

func FuzzGossipReceive(f *testing.F) {
	f.Add([]byte("dc1$r2$100,1700000000,4,127.0.0.1:9102|dc2$r$5,1,7,h"))
	f.Add([]byte("dc1$r1$100,1700000000,4,127.0.0.1:9999"))
	f.Add([]byte("||,,,$$"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		g, snaps := newSolo(t, func(c *membership.GossipConfig) { c.MaxNodes = 8 })
		_ = g.Receive("fuzz", payload, t0)
		if n := len(g.Table()); n > 8 {
			t.Fatalf("unexpected table of %d rows over MaxNodes 8", n)
		}
		for _, s := range *snaps {
			if s.Node(0).Addr != "127.0.0.1:8101" {
				t.Fatalf("unexpected local node %v", s.Node(0))
			}
		}
		_ = g.Tick(t0.Add(time.Second))
	})
}
