//go:build !race

package engine

import (
	"testing"

	"github.com/dynomite-go/dynomite/engine/admin"
)

// TestAllocsAllowDown pins the up/down check of the request path to zero
// allocations, for an UP peer, a DOWN one and a good reply of either.
func TestAllocsAllowDown(t *testing.T) {
	n, round := forwardRigWith(t, 1, Options{Config: threeRackRigConfig()})
	round()
	tp := n.cluster.topo.Load()
	peer := -1
	for i, p := range tp.peers {
		if p != nil {
			peer = i
			break
		}
	}
	if peer < 0 {
		t.Fatal("no peer in a 3-rack topology")
	}
	if got := n.SetPeerState(peerHost(tp.peers[peer].addr), admin.Down); got == 0 {
		t.Fatal("unexpected /peer/down of no peer")
	}
	if tp.allow(peer, &n.env) {
		t.Fatal("unexpected request allowed to a peer marked DOWN")
	}
	check := func() {
		tp.allow(peer, &n.env)
		tp.allow(tp.Local(), &n.env)
		tp.replied(tp.Local())
	}
	if allocs := testing.AllocsPerRun(1000, check); allocs != 0 {
		t.Fatalf("unexpected allocations of the up/down check; got %v; want 0", allocs)
	}
}
