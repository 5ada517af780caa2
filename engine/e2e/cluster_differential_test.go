package e2e

import (
	"flag"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

var (
	clusterSeed     = flag.Uint64("cluster.seed", 0, "seed of TestClusterDifferential (0 picks one from the clock; it is printed on failure)")
	clusterCommands = flag.Int("cluster.commands", 3000, "number of random commands TestClusterDifferential sends")
)

// crossKey lists commands of the single-node generator whose keys may live
// on different nodes and that a cluster does not split: in a cluster they
// act on the first key's owner only, so a plain Redis is no reference.
var crossKey = []string{"SINTER", "SUNION", "SDIFF", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE", "SINTERCARD",
	"SMOVE", "RPOPLPUSH", "LMOVE", "LMPOP", "ZMPOP", "ZUNIONSTORE", "ZINTERSTORE"}

// nextClusterCommand draws from the single-node generator, skipping
// cross-key commands.
func (g *gen) nextClusterCommand() command {
	for n := 0; n < 10000; n++ {
		c := g.next()
		if !slices.Contains(crossKey, strings.ToUpper(string(c.args[0]))) {
			return c
		}
	}
	panic("the generator draws only cross-key commands")
}

// TestClusterDifferential: 2 racks × 2 nodes at DC_QUORUM (so every node
// sees every earlier write) against one plain Redis driven directly. Seeded
// random pipelines over strings, counters, hashes, lists, sets, sorted sets,
// expiry and the split commands MGET, MSET, DEL, EXISTS (and UNLINK, TOUCH)
// go each through a random node; replies must be equal. Afterwards every
// key of the reference is in its owner's Redis in both racks, and nowhere
// else.
func TestClusterDifferential(t *testing.T) {
	s := *clusterSeed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("TestClusterDifferential seed: -cluster.seed=%d", s)
		}
	})
	cl := startCluster(t, twoByTwo(), enginetest.NodeConfig{}, func(_ int, c *enginetest.NodeConfig) {
		withConsistency(c, "DC_QUORUM")
	}, enginetest.ClusterOptions{})
	ref := enginetest.Redis(t)
	rc := enginetest.DialTB(t, ref.Addr)
	rc.Timeout = 30 * time.Second
	var nodes []*enginetest.Client
	for i := range cl.nodes {
		c := cl.client(i)
		c.Timeout = 30 * time.Second
		nodes = append(nodes, c)
	}

	g := newGen(s)
	sent, batchNo, mismatches := 0, 0, 0
	for sent < *clusterCommands {
		n := 1 + g.r.IntN(40)
		if batchNo%9 == 4 {
			n = 500
		}
		batch := make([]command, 0, n)
		for range n {
			batch = append(batch, g.nextClusterCommand())
		}
		via := g.r.IntN(len(nodes))
		batchNo++
		var pr, rr []*enginetest.Reply
		var perr, rerr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); pr, perr = roundTrip(nodes[via], batch) }()
		go func() { defer wg.Done(); rr, rerr = roundTrip(rc, batch) }()
		wg.Wait()
		if rerr != nil {
			t.Fatalf("direct redis: batch %d: %v", batchNo, rerr)
		}
		if perr != nil {
			t.Fatalf("through %s: batch %d (commands %d..%d): %v", cl.nodes[via], batchNo, sent, sent+len(batch)-1, perr)
		}
		for i, c := range batch {
			if !sameReply(c.norm, pr[i], rr[i]) {
				mismatches++
				t.Errorf("command #%d (batch %d of %d commands, through %s): %s\n  through the cluster: %q\n  direct:              %q",
					sent+i, batchNo, len(batch), cl.nodes[via], c, trunc(pr[i].Raw), trunc(rr[i].Raw))
				if mismatches >= 10 {
					t.Fatalf("stopping after %d mismatches", mismatches)
				}
			}
		}
		sent += len(batch)
	}
	t.Logf("%d commands in %d pipelines compared", sent, batchNo)
	cl.checkPlacement(rc)
}

// checkPlacement requires every key of the reference Redis to be in the
// Redis of its owner in every rack and in no other Redis, and no other key
// anywhere.
func (cl *cluster) checkPlacement(ref *enginetest.Client) {
	t := cl.t
	t.Helper()
	keysOf := func(what string, c *enginetest.Client) map[string]bool {
		r, err := c.Do("KEYS", "*")
		if err != nil || r.Type != '*' {
			t.Fatalf("KEYS * on %s: %v %v", what, r, err)
		}
		m := map[string]bool{}
		for _, e := range r.Elems {
			m[string(e.Str)] = true
		}
		return m
	}
	want := keysOf("the reference", ref)
	for i := range cl.nodes {
		s := cl.store(i)
		got := keysOf("the Redis of "+cl.nodes[i].String(), s)
		s.Close()
		for k := range want {
			if own := slices.Contains(cl.ownersEverywhere(k), i); own != got[k] {
				t.Errorf("key %q: in the Redis of %s: %v; its owner: %v", k, cl.nodes[i], got[k], own)
			}
		}
		for k := range got {
			// A probe of the start-up check may land after its removal.
			if !want[k] && !strings.HasPrefix(k, "mesh:") {
				t.Errorf("key %q is in the Redis of %s but not in the reference", k, cl.nodes[i])
			}
		}
	}
}
