package cluster

import (
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/outbound"
	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/seeds"
)

func tcp(port int) conf.Addr {
	return conf.Addr{Network: "tcp", Host: "127.0.0.1", Port: port}
}

// TestLiveSwap swaps a ring of three nodes for one where a peer is kept,
// one readdressed, one removed and one added: the kept peer keeps its
// links, the others get new ones, and the old ones retire. Without a seed
// provider the node is NORMAL from the start: no swap calls Normal.
func TestLiveSwap(t *testing.T) {
	p := &conf.Pool{
		DynListen: tcp(1), Datacenter: "dc", Rack: "r1", Tokens: []uint32{0},
		DynSeeds: []conf.Seed{
			{Addr: tcp(2), DC: "dc", Rack: "r2", Tokens: []uint32{0}},
			{Addr: tcp(3), DC: "dc", Rack: "r3", Tokens: []uint32{0}},
		},
	}
	var env outbound.Env
	made := 0
	mk := func(idx, seed int, name, network, addr string, sameDC bool) *Peer {
		made++
		pr := NewPeer(&env, 1, idx, seed, name, network, addr, sameDC)
		pr.Lazy = true // no dial
		return pr
	}
	var topo atomic.Pointer[Topology]
	var normal atomic.Int32
	var l Live
	l.Init(LiveEnv{
		Topo: &topo, Pool: p, Log: slog.New(slog.DiscardHandler),
		Peer: func(snap *ring.Snapshot, i int) *Peer {
			nd := snap.Node(i)
			return mk(i, -1, nd.Name, "tcp", nd.Addr, snap.SameDC(i))
		},
		Normal:      func() { normal.Add(1) },
		RetireAfter: 10 * time.Millisecond,
	})
	t0, err := Build(p, l.Provided(), mk)
	if err != nil {
		t.Fatal(err)
	}
	topo.Store(t0)
	kept, moved := t0.PeerByAddr("127.0.0.1:2"), t0.PeerByAddr("127.0.0.1:3")

	nodes := []ring.Node{
		LocalRingNode(p),
		{Name: "a", Addr: "127.0.0.1:4", DC: "dc", Rack: "r4", Tokens: []uint32{0}}, // added
		{Name: "b", Addr: "127.0.0.1:2", DC: "dc", Rack: "r2", Tokens: []uint32{0}}, // kept, at a new index
		{Name: "c", Addr: "127.0.0.1:5", DC: "dc", Rack: "r3", Tokens: []uint32{0}}, // node of r3 readdressed
	}
	snap, err := ring.New(nodes, 0, t0.Hash(), "")
	if err != nil {
		t.Fatal(err)
	}
	made = 0
	l.Swap(snap)
	t1 := topo.Load()
	if t1 == t0 || t1.Snapshot != snap || t1.Solo {
		t.Fatalf("unexpected topology after the swap; got %+v", t1)
	}
	if got := t1.PeerByAddr("127.0.0.1:2"); got != kept || int(got.Node.Load()) != 2 {
		t.Fatalf("unexpected kept peer; got %p at %d; want %p at 2", got, got.Node.Load(), kept)
	}
	if made != 2 || t1.PeerByAddr("127.0.0.1:4") == nil || t1.PeerByAddr("127.0.0.1:5") == nil {
		t.Fatalf("unexpected new peers; made %d; want the added and the readdressed one", made)
	}
	if got := normal.Load(); got != 0 {
		t.Fatalf("unexpected Normal calls; got %d; want 0", got)
	}
	if got := l.Swaps(); got != 1 {
		t.Fatalf("unexpected swaps; got %d; want 1", got)
	}
	l.mu.Lock()
	_, retiring := l.retiring[moved]
	l.mu.Unlock()
	if !retiring {
		t.Fatal("the readdressed node's old peer is not retiring")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		l.mu.Lock()
		left := len(l.retiring)
		l.mu.Unlock()
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unexpected peers still retiring after RetireAfter: %d", left)
		}
		time.Sleep(5 * time.Millisecond)
	}
	l.Stop()
	l.Swap(snap)
	if topo.Load() != t1 {
		t.Fatal("a swap after Stop published a topology")
	}
}

// TestNewSeeds keeps only the seeds of a provider's list that are new or
// changed since its previous list.
func TestNewSeeds(t *testing.T) {
	a := seeds.Seed{Host: "10.0.0.1", Port: 8101, Rack: "r1", DC: "dc", Tokens: []uint32{1}}
	b := seeds.Seed{Host: "10.0.0.2", Port: 8101, Rack: "r2", DC: "dc", Tokens: []uint32{1}}
	moved := b
	moved.Host = "10.0.0.3"
	f := func(old, list []seeds.Seed, want ...seeds.Seed) {
		t.Helper()
		got := newSeeds(old, list)
		if len(got) != len(want) {
			t.Fatalf("unexpected new seeds; got %v; want %v", got, want)
		}
		for i := range want {
			if got[i].Addr() != want[i].Addr() {
				t.Fatalf("unexpected new seed %d; got %v; want %v", i, got[i], want[i])
			}
		}
	}
	f(nil, []seeds.Seed{a, b}, a, b)
	f([]seeds.Seed{a, b}, []seeds.Seed{a, b})
	f([]seeds.Seed{a, b}, []seeds.Seed{a, moved}, moved)
}
