//go:build !race

package engine

import (
	"testing"

	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/cluster"
	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/replica"
)

// TestAllocsAllowDown pins the up/down check of the request path to zero
// allocations, for an UP peer, a DOWN one and a good reply of either.
func TestAllocsAllowDown(t *testing.T) {
	n, round := forwardRigWith(t, 1, Options{Config: threeRackRigConfig()})
	round()
	tp := n.cluster.topo.Load()
	peer := firstPeer(t, tp)
	if got := n.SetPeerState(cluster.PeerHost(tp.Peers[peer].Addr), admin.Down); got == 0 {
		t.Fatal("unexpected /peer/down of no peer")
	}
	if tp.Allow(peer, &n.env) {
		t.Fatal("unexpected request allowed to a peer marked DOWN")
	}
	check := func() {
		tp.Allow(peer, &n.env)
		tp.Allow(tp.Local(), &n.env)
		tp.Replied(tp.Local())
	}
	if allocs := testing.AllocsPerRun(1000, check); allocs != 0 {
		t.Fatalf("unexpected allocations of the up/down check; got %v; want 0", allocs)
	}
}

// TestAllocsThrottle pins conn_msg_rate's check on the request path to
// zero allocations: a peer without a Throttle (this DC, or the rate
// unset) and a remote-DC peer whose token is there at once.
func TestAllocsThrottle(t *testing.T) {
	n, round := forwardRigWith(t, 1, Options{Config: threeRackRigConfig()})
	round()
	tp := n.cluster.topo.Load()
	peer := firstPeer(t, tp)
	if tp.Peers[peer].Throttle != nil {
		t.Fatal("unexpected Throttle on a peer of this node's DC")
	}
	f := n.rt.ProbeFanout(tp)
	frame := []byte("*1\r\n$4\r\nPING\r\n")
	tg := replica.Target{Node: peer}
	if allocs := testing.AllocsPerRun(1000, func() { f.ThrottleGo(0, tg, frame) }); allocs != 0 {
		t.Fatalf("unexpected allocations for a local-DC peer; got %v; want 0", allocs)
	}
	tp.Peers[peer].Throttle = membership.NewThrottle(1<<30, 0)
	defer func() { tp.Peers[peer].Throttle = nil }()
	if allocs := testing.AllocsPerRun(1000, func() {
		if !f.ThrottleGo(0, tg, frame) {
			t.Fatal("unexpected wait under a huge conn_msg_rate")
		}
	}); allocs != 0 {
		t.Fatalf("unexpected allocations for a remote-DC peer with a token; got %v; want 0", allocs)
	}
}

// firstPeer returns the index of the first peer of tp (not this node).
func firstPeer(t *testing.T, tp *cluster.Topology) int {
	t.Helper()
	for i, p := range tp.Peers {
		if p != nil {
			return i
		}
	}
	t.Fatal("no peer in a 3-rack topology")
	return -1
}
