package engine

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
)

// A cluster whose pollers park (Options.Park) serves pipelined and
// one-at-a-time quorum writes and reads through every node, every write
// reaching every rack, and its pollers did park where a P is left idle
// (parking is off where the pollers take every P).
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
	idle := runtime.GOMAXPROCS(0) > tc.nodes[0].poll.Pollers
	for i, n := range tc.nodes {
		on, waited := n.env.Park.MS != 0, n.env.Park.Waited.Load()
		switch {
		case idle && (!on || waited == 0):
			t.Errorf("node %d with an idle P: park bound %d ms, %d parks waited; want parks", i, n.env.Park.MS, waited)
		case !idle && on:
			t.Errorf("node %d whose pollers take every P parks (%d ms)", i, n.env.Park.MS)
		}
	}
}
