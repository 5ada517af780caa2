package e2e

import (
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// TestMemcacheClusterDifferential: 2 racks × 2 nodes in front of memcached
// at DC_QUORUM (so every node sees every earlier write) against one
// memcached driven directly. The seeded commands of TestMemcacheDifferential
// except cas (each rack numbers its items differently, so a token is only
// good in one rack) go in pipelines through a random node; replies must be
// equal, cas numbers of gets aside. Multi-key gets are split over both
// nodes of a rack and merged.
func TestMemcacheClusterDifferential(t *testing.T) {
	s := *mcSeed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("TestMemcacheClusterDifferential seed: -memcache.seed=%d", s)
		}
	})
	// The default timeout: this test is about equal replies, not failures.
	cl := startCluster(t, twoByTwo(), enginetest.NodeConfig{DataStore: 1, Timeout: 5000}, func(_ int, c *enginetest.NodeConfig) {
		withConsistency(c, "DC_QUORUM")
	}, enginetest.ClusterOptions{MemcachedArgs: mcItemLimit})
	ref := enginetest.MemcachedWith(t, enginetest.MemcachedOptions{Args: mcItemLimit})
	rf := &mcSide{c: dialMC(t, ref.Addr), tokens: map[string][]string{}}
	var sides []*mcSide
	for i := range cl.nodes {
		sides = append(sides, &mcSide{c: dialMC(t, cl.nodes[i].Node.Addr), tokens: map[string][]string{}})
	}

	g := newMCGen(s)
	sent, batchNo, mismatches := 0, 0, 0
	var slowest time.Duration
	slowestBatch := 0
	for sent < *mcCommands {
		var batch []mcCmd
		for n := 1 + g.r.IntN(40); len(batch) < n; {
			if cmds := g.next(); cmds[0].cas == nil {
				batch = append(batch, cmds...)
			}
		}
		via := g.r.IntN(len(sides))
		batchNo++
		var pr, rr []mcReply
		var perr, rerr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			began := time.Now()
			pr, perr = sides[via].run(batch)
			if d := time.Since(began); d > slowest {
				slowest, slowestBatch = d, batchNo
			}
		}()
		go func() { defer wg.Done(); rr, rerr = rf.run(batch) }()
		wg.Wait()
		if rerr != nil {
			t.Fatalf("direct memcached: batch %d: %v", batchNo, rerr)
		}
		if perr != nil {
			t.Fatalf("through %s: batch %d (commands %d..%d): %v", cl.nodes[via], batchNo, sent, sent+len(batch)-1, perr)
		}
		j := 0
		for i, c := range batch {
			if c.noreply {
				continue
			}
			if p, r := pr[j].norm(), rr[j].norm(); p != r {
				mismatches++
				t.Errorf("command #%d (batch %d of %d commands, through %s): %s\n  through the cluster: %q\n  direct:              %q",
					sent+i, batchNo, len(batch), cl.nodes[via], c, trunc([]byte(p)), trunc([]byte(r)))
				if mismatches >= 10 {
					t.Fatalf("stopping after %d mismatches", mismatches)
				}
			}
			j++
		}
		sent += len(batch)
	}
	t.Logf("%d commands in %d pipelines compared; slowest pipeline through the cluster: batch %d, %v", sent, batchNo, slowestBatch, slowest.Round(time.Millisecond))
}
