package engine

import (
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
)

// TestPreconnectFalse: with preconnect: false a node opens no peer
// connection at start; the first request that needs a peer makes its
// link dial, and a later one goes through it.
func TestPreconnectFalse(t *testing.T) {
	members := []member{{"dc1", "rack1", []uint32{0}}, {"dc1", "rack2", []uint32{0}}}
	cl := startTestCluster(t, members, func(i int, p *conf.Pool) { p.Preconnect = i != 0 })
	n0 := cl.nodes[0]
	p := n0.cluster.topo.Load().Peers[1]
	time.Sleep(300 * time.Millisecond)
	if p.Up() {
		t.Fatal("a preconnect: false node dialled its peer at start")
	}
	if !p.Links[0].Lazy.Load() {
		t.Fatal("the peer link is not waiting for its first use")
	}
	c := cl.client(0)
	do(t, c, "SET", "lazy:k", "v") // may answer OK (local rack) while the peer dials
	end := time.Now().Add(5 * time.Second)
	for !p.Up() {
		if time.Now().After(end) {
			t.Fatal("the peer link did not dial after its first use")
		}
		time.Sleep(20 * time.Millisecond)
	}
	expect(t, c, "+OK\r\n", "SET", "lazy:k2", "w")
	if !cl.waitStored(1, "lazy:k2", "w", true, 5*time.Second) {
		t.Fatal("a write after the first use did not reach the peer")
	}
}
