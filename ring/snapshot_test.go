package ring_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dynomite-go/dynomite/ring"
)

func mustNew(t testing.TB, nodes []ring.Node, local int) *ring.Snapshot {
	t.Helper()
	s, err := ring.New(nodes, local, ring.Murmur, "")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// The two-node case: one rack, tokens 0 and 2147483648. Node "a"
// owns (2147483648, 2^32) and 0; node "b" owns (0, 2147483648].
func TestOwnerTwoNodesOneRack(t *testing.T) {
	s := mustNew(t, []ring.Node{
		{Name: "a", DC: "dc1", Rack: "r1", Tokens: []uint32{0}},
		{Name: "b", DC: "dc1", Rack: "r1", Tokens: []uint32{2147483648}},
	}, 0)
	f := func(token uint32, want string) {
		t.Helper()
		if got := s.Node(s.Owner(0, 0, token)).Name; got != want {
			t.Errorf("unexpected owner of token %d; got %s; want %s", token, got, want)
		}
	}
	f(0, "a")
	f(1, "b")
	f(2147483647, "b")
	f(2147483648, "b")
	f(2147483649, "a")
	f(math.MaxUint32, "a")
	// Keys of the murmur vectors of docs/compat.md §4.2: foo 3303027599, bar 516654467.
	keys := map[string]string{"foo": "a", "bar": "b", "key1": "b", "hello": "b", "a": "b"}
	for key, want := range keys {
		if got := s.Node(s.Owner(0, 0, s.Token([]byte(key)))).Name; got != want {
			t.Errorf("unexpected owner of key %q; got %s; want %s", key, got, want)
		}
	}
}

func TestOwnerTable(t *testing.T) {
	// Rack with virtual nodes: a holds 100 and 300, b holds 200 and 400.
	s := mustNew(t, []ring.Node{
		{Name: "b", DC: "d", Rack: "r", Tokens: []uint32{400, 200}},
		{Name: "a", DC: "d", Rack: "r", Tokens: []uint32{300, 100}},
	}, 1)
	for _, c := range []struct {
		name  string
		token uint32
		want  string
	}{
		{"zero wraps to smallest", 0, "a"},
		{"below smallest", 99, "a"},
		{"equal to smallest", 100, "a"},
		{"just above", 101, "b"},
		{"equal", 200, "b"},
		{"between", 250, "a"},
		{"equal to largest", 400, "b"},
		{"above largest wraps", 401, "a"},
		{"max wraps", math.MaxUint32, "a"},
	} {
		if got := s.Node(s.Owner(0, 0, c.token)).Name; got != c.want {
			t.Errorf("%s: unexpected owner of %d; got %s; want %s", c.name, c.token, got, c.want)
		}
	}
}

// threeDCs: dc "east" with racks r3, r1, r2 (one node each, except r1 with
// two), dc "west" with racks w1, w2, dc "north" with one rack. The nodes come
// unsorted on purpose.
func threeDCs() []ring.Node {
	return []ring.Node{
		{Name: "e2", DC: "east", Rack: "r2", Tokens: []uint32{10}},
		{Name: "w2", DC: "west", Rack: "w2", Tokens: []uint32{10}},
		{Name: "e3", DC: "east", Rack: "r3", Tokens: []uint32{10}},
		{Name: "e1a", DC: "east", Rack: "r1", Tokens: []uint32{10}},
		{Name: "e1b", DC: "east", Rack: "r1", Tokens: []uint32{20}},
		{Name: "w1", DC: "west", Rack: "w1", Tokens: []uint32{10}},
		{Name: "n1", DC: "north", Rack: "n", Tokens: []uint32{10}},
	}
}

func TestTopology(t *testing.T) {
	s := mustNew(t, threeDCs(), 0) // local: e2 in east/r2
	var dcs []string
	for d := range s.DCs() {
		dcs = append(dcs, s.DCName(d))
	}
	if want := []string{"east", "north", "west"}; !slices.Equal(dcs, want) {
		t.Fatalf("unexpected DCs; got %q; want %q", dcs, want)
	}
	east := s.FindDC("east")
	var racks []string
	for r := range s.Racks(east) {
		racks = append(racks, s.RackName(east, r))
	}
	if want := []string{"r1", "r2", "r3"}; !slices.Equal(racks, want) {
		t.Fatalf("unexpected racks; got %q; want %q", racks, want)
	}
	if s.LocalDC() != east || s.LocalRack() != 1 || s.Local() != 0 || !s.IsLocal(0) {
		t.Fatalf("unexpected local place; got dc %d rack %d node %d", s.LocalDC(), s.LocalRack(), s.Local())
	}
	if got := s.RackNodes(east, 0); !slices.Equal(got, []int{3, 4}) {
		t.Fatalf("unexpected nodes of east/r1; got %v; want [3 4]", got)
	}
	if d, r := s.Place(5); s.DCName(d) != "west" || s.RackName(d, r) != "w1" {
		t.Fatalf("unexpected place of w1; got %s/%s", s.DCName(d), s.RackName(d, r))
	}
	if s.SameDC(1) || !s.SameDC(2) {
		t.Fatalf("unexpected SameDC")
	}
	if s.FindNode("w1") != 5 || s.FindNode("zz") != -1 {
		t.Fatalf("unexpected FindNode results")
	}
	if s.FindDC("south") != -1 || s.FindRack(east, "r9") != -1 || s.FindRack(east, "r3") != 2 {
		t.Fatalf("unexpected Find results")
	}
	// Token 15: owner in r1 is e1b (20), elsewhere the single node.
	owners := s.AppendOwners(nil, east, 15)
	if want := []int{4, 0, 2}; !slices.Equal(owners, want) {
		t.Fatalf("unexpected owners in east; got %v; want %v", owners, want)
	}
}

// The pre-selected remote rack is racks[localRack % n], then the others in
// order (docs/compat.md §4.3 step 8).
func TestRemoteRacks(t *testing.T) {
	for _, c := range []struct {
		local int // node index
		west  []int
		north int
	}{
		{local: 3, west: []int{0, 1}, north: 0}, // east/r1: index 0
		{local: 0, west: []int{1, 0}, north: 0}, // east/r2: index 1
		{local: 2, west: []int{0, 1}, north: 0}, // east/r3: index 2, 2%2 = 0
	} {
		s := mustNew(t, threeDCs(), c.local)
		west, north := s.FindDC("west"), s.FindDC("north")
		if got := s.RemoteRacks(west); !slices.Equal(got, c.west) {
			t.Errorf("local %s: unexpected west racks; got %v; want %v", s.Node(c.local).Name, got, c.west)
		}
		if got := s.RemoteRack(west); got != c.west[0] {
			t.Errorf("local %s: unexpected pre-selected west rack; got %d; want %d", s.Node(c.local).Name, got, c.west[0])
		}
		if got := s.RemoteRack(north); got != c.north {
			t.Errorf("unexpected north rack; got %d; want %d", got, c.north)
		}
		if s.RemoteRacks(s.LocalDC()) != nil || s.RemoteRack(s.LocalDC()) != -1 {
			t.Errorf("local DC must have no remote racks")
		}
	}
	// Local rack 1 of 3, remote DC with 3 racks: [1 0 2].
	nodes := []ring.Node{
		{Name: "l0", DC: "a", Rack: "0", Tokens: []uint32{1}},
		{Name: "l1", DC: "a", Rack: "1", Tokens: []uint32{1}},
		{Name: "l2", DC: "a", Rack: "2", Tokens: []uint32{1}},
		{Name: "x0", DC: "b", Rack: "0", Tokens: []uint32{1}},
		{Name: "x1", DC: "b", Rack: "1", Tokens: []uint32{1}},
		{Name: "x2", DC: "b", Rack: "2", Tokens: []uint32{1}},
	}
	if got := mustNew(t, nodes, 1).RemoteRacks(1); !slices.Equal(got, []int{1, 0, 2}) {
		t.Errorf("unexpected remote racks; got %v; want [1 0 2]", got)
	}
}

func TestNewErrors(t *testing.T) {
	one := []ring.Node{{Name: "a", DC: "d", Rack: "r", Tokens: []uint32{1}}}
	f := func(name string, nodes []ring.Node, local int, hash ring.HashFunc, tag string, want error) {
		t.Helper()
		if _, err := ring.New(nodes, local, hash, tag); !errors.Is(err, want) {
			t.Errorf("%s: unexpected error; got %v; want %v", name, err, want)
		}
	}
	f("no nodes", nil, 0, ring.Murmur, "", ring.ErrNoNodes)
	f("local too big", one, 1, ring.Murmur, "", ring.ErrBadLocal)
	f("local negative", one, -1, ring.Murmur, "", ring.ErrBadLocal)
	f("nil hash", one, 0, nil, "", ring.ErrNilHash)
	f("tag of one char", one, 0, ring.Murmur, "{", ring.ErrBadHashTag)
	f("tag of three chars", one, 0, ring.Murmur, "{}}", ring.ErrBadHashTag)
	f("no tokens", []ring.Node{{Name: "a", DC: "d", Rack: "r"}}, 0, ring.Murmur, "", ring.ErrNoTokens)
	dup := []ring.Node{
		{Name: "a", DC: "d", Rack: "r", Tokens: []uint32{1, 5}},
		{Name: "b", DC: "d", Rack: "r", Tokens: []uint32{5}},
	}
	f("duplicate token in rack", dup, 0, ring.Murmur, "", ring.ErrDuplicateToken)
	dup[1].Rack = "other" // the same token in another rack is normal
	if _, err := ring.New(dup, 0, ring.Murmur, ""); err != nil {
		t.Errorf("unexpected error for equal tokens in different racks: %v", err)
	}
}

func TestNewCopiesInput(t *testing.T) {
	nodes := []ring.Node{{Name: "a", DC: "d", Rack: "r", Tokens: []uint32{100}}, {Name: "b", DC: "d", Rack: "r", Tokens: []uint32{200}}}
	s := mustNew(t, nodes, 0)
	nodes[0].Tokens[0] = 300
	nodes[1].Name = "changed"
	if s.Node(0).Tokens[0] != 100 || s.Node(1).Name != "b" || s.Node(s.Owner(0, 0, 150)).Name != "b" {
		t.Fatalf("snapshot changed with its input")
	}
}

func TestTokenUsesHashTag(t *testing.T) {
	nodes := []ring.Node{{Name: "a", DC: "d", Rack: "r", Tokens: []uint32{1}}}
	s, err := ring.New(nodes, 0, ring.Murmur, "{}")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Token([]byte("user:{foo}:name")), ring.Murmur([]byte("foo")); got != want {
		t.Fatalf("unexpected token; got %d; want %d", got, want)
	}
	if s.HashTagChars() != "{}" || s.Hash() == nil {
		t.Fatalf("unexpected accessors")
	}
}

// Owner against a linear scan over random rings with virtual nodes.
func TestOwnerMatchesLinearScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 200 {
		nodes := make([]ring.Node, 1+rng.IntN(6))
		seen := map[uint32]bool{}
		for i := range nodes {
			nodes[i] = ring.Node{Name: string(rune('a' + i)), DC: "d", Rack: "r"}
			for range 1 + rng.IntN(4) {
				tok := rng.Uint32() >> rng.UintN(32) // spread over small and large values
				if !seen[tok] {
					seen[tok] = true
					nodes[i].Tokens = append(nodes[i].Tokens, tok)
				}
			}
			if len(nodes[i].Tokens) == 0 {
				nodes[i].Tokens = []uint32{rng.Uint32()}
				if seen[nodes[i].Tokens[0]] {
					nodes[i].Tokens[0]++ // astronomically rare
				}
				seen[nodes[i].Tokens[0]] = true
			}
		}
		s := mustNew(t, nodes, 0)
		for range 50 {
			h := rng.Uint32()
			if rng.IntN(4) == 0 { // probe exact tokens too
				n := nodes[rng.IntN(len(nodes))]
				h = n.Tokens[rng.IntN(len(n.Tokens))]
			}
			if got, want := s.Owner(0, 0, h), linearOwner(nodes, h); got != want {
				t.Fatalf("unexpected owner of %d; got %d; want %d (nodes %+v)", h, got, want, nodes)
			}
		}
	}
}

// linearOwner: smallest token >= h, else the smallest token overall.
func linearOwner(nodes []ring.Node, h uint32) int {
	best, bestTok := -1, uint32(0)
	low, lowTok := -1, uint32(0)
	for i, n := range nodes {
		for _, t := range n.Tokens {
			if t >= h && (best < 0 || t < bestTok) {
				best, bestTok = i, t
			}
			if low < 0 || t < lowTok {
				low, lowTok = i, t
			}
		}
	}
	if best < 0 {
		return low
	}
	return best
}

// Readers look up keys while a writer swaps snapshots: under -race this
// shows that a published Snapshot needs no locking.
func TestConcurrentSwap(t *testing.T) {
	var cur atomic.Pointer[ring.Snapshot]
	cur.Store(benchSnapshot(t, 3, 2, 4))
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owners := make([]int, 0, 8)
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				s := cur.Load()
				tok := s.Token([]byte(strconv.Itoa(i)))
				owners = s.AppendOwners(owners[:0], s.LocalDC(), tok)
				if len(owners) != s.Racks(s.LocalDC()) {
					t.Errorf("unexpected owners %v", owners)
					return
				}
			}
		}()
	}
	for i := range 50 {
		cur.Store(benchSnapshot(t, 1+i%5, 1+i%3, 2))
	}
	close(done)
	wg.Wait()
}
