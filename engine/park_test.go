package engine

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/sock"
)

// A cluster whose pollers park (Options.Park) serves pipelined and
// one-at-a-time quorum writes and reads through every node, every write
// reaching every rack, and its pollers did park where a P is left idle
// (parking is off where the pollers take every P, and in a build that
// cannot look at a poller).
func TestClusterParked(t *testing.T) {
	tc := startTestClusterParked(t, threeRackMembers(), func(_ int, p *conf.Pool) {
		p.ReadConsistency, p.WriteConsistency = "DC_QUORUM", "DC_QUORUM"
	}, 2*time.Millisecond)
	for i := range tc.nodes {
		c := tc.client(i)
		for j := range 50 {
			key, val := fmt.Sprintf("park:%d:%d", i, j), fmt.Sprintf("v%d", j)
			expect(t, c, "+OK\r\n", "SET", key, val)
			expect(t, c, bulkOf(val), "GET", key)
		}
		// a pipeline of 20 requests in one write
		var req []byte
		for j := range 20 {
			req = fmt.Appendf(req, "*2\r\n$3\r\nGET\r\n$%d\r\npark:%d:%d\r\n", len(fmt.Sprintf("park:%d:%d", i, j)), i, j)
		}
		if err := c.WriteRaw(req); err != nil {
			t.Fatal(err)
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		for j := range 20 {
			r, err := c.Read()
			if err != nil {
				t.Fatalf("node %d, pipelined GET %d: %v", i, j, err)
			}
			if got := string(r.Raw); got != bulkOf(fmt.Sprintf("v%d", j)) {
				t.Fatalf("node %d, pipelined GET %d: unexpected %q", i, j, got)
			}
		}
	}
	for r := range tc.nodes {
		if !tc.waitStored(r, "park:2:49", "v49", true, 3*time.Second) {
			t.Fatalf("a write through node 2 is not in the redis of node %d", r)
		}
	}
	canPark := sock.CanLook && runtime.GOMAXPROCS(0) > tc.nodes[0].poll.Pollers
	var waited int64
	for i, n := range tc.nodes {
		if on := n.env.Park.MS != 0; on != canPark {
			t.Errorf("node %d: park bound %d ms; want parking %v (pollers %d, GOMAXPROCS %d, can look %v)",
				i, n.env.Park.MS, canPark, n.poll.Pollers, runtime.GOMAXPROCS(0), sock.CanLook)
		}
		waited += n.env.Park.Waited.Load()
	}
	// The nodes of one process share its pollers: a park is counted by the
	// node of the connection whose callback parked.
	if canPark && waited == 0 {
		t.Errorf("no poller parked")
	}
}
