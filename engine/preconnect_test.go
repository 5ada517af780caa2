package engine

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/enginetest"
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

// TestPreconnectFalseFirstRequestWaits: with preconnect: false, the
// requests that find a peer link before its first dial completes wait for
// it, as C queues them on the connecting connection: DC_QUORUM writes over
// 2 racks (both copies needed) sent at once by several clients as the
// first use all succeed and reach the peer. When the first dial fails, the
// waiting request gets the usual "Peer Node is not connected" within
// `timeout`.
func TestPreconnectFalseFirstRequestWaits(t *testing.T) {
	members := []member{{"dc1", "rack1", []uint32{0}}, {"dc1", "rack2", []uint32{0}}}
	cl := startTestCluster(t, members, func(i int, p *conf.Pool) {
		p.Preconnect = i != 0
		p.ReadConsistency, p.WriteConsistency = "DC_QUORUM", "DC_QUORUM"
	})
	p := cl.nodes[0].cluster.topo.Load().Peers[1]
	const clients = 4
	cs := make([]*enginetest.Client, clients)
	for i := range cs {
		cs[i] = cl.client(0)
	}
	if p.Up() || !p.Links[0].Lazy.Load() {
		t.Fatal("the peer link is not waiting for its first use")
	}
	var wg sync.WaitGroup
	got := make([]string, clients)
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Do("SET", fmt.Sprint("lazy:first:", i), "v")
			if err != nil {
				got[i] = err.Error()
				return
			}
			got[i] = string(r.Raw)
		}()
	}
	wg.Wait()
	for i, g := range got {
		if g != "+OK\r\n" {
			t.Fatalf("first-use write %d: got %q; want +OK (it waits for the first dial)", i, g)
		}
		if !cl.waitStored(1, fmt.Sprint("lazy:first:", i), "v", true, 3*time.Second) {
			t.Fatalf("first-use write %d not in the peer's redis", i)
		}
	}

	// A peer that is gone before the first dial.
	cl2 := startTestCluster(t, members, func(i int, p *conf.Pool) {
		p.Preconnect = i != 0
		p.ReadConsistency, p.WriteConsistency = "DC_QUORUM", "DC_QUORUM"
	})
	cl2.stop(cl2.nodes[1])
	c := cl2.client(0)
	timed(t, c, cl2.cfgs[0].Pool.Timeout+time.Second, "-ERR Peer: Peer Node is not connected\r\n", "SET", "lazy:gone", "v")
}
