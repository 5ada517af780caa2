package matrix

import (
	"testing"

	"github.com/dynomite-go/dynomite/bench"
)

func TestMemcachedWorkloads(t *testing.T) {
	all, err := selectWorkloads("all", true)
	if err != nil || all[len(all)-1].Name != "mc-mix" || all[len(all)-1].Protocol != bench.ProtoMemcacheText {
		t.Fatalf("unexpected workloads with -memcached; got %+v, %v", all, err)
	}
	if c := all[len(all)-1].Config(1, 0, 10); c.Protocol != bench.ProtoMemcacheText || c.Clients != 25 || c.Threads != 2 {
		t.Fatalf("unexpected mc-mix config; got %+v", c)
	}
	if got := baselineOf("mc-mix"); got != memcachedTarget {
		t.Fatalf("unexpected baseline of mc-mix; got %q; want %q", got, memcachedTarget)
	}
	if got := baselineOf("mix"); got != "redis" {
		t.Fatalf("unexpected baseline of mix; got %q; want redis", got)
	}
}

// TestSummarizeMemcached: mc-mix ratios are taken against memcached direct,
// and pairs of a workload with a target of the other protocol make no row.
func TestSummarizeMemcached(t *testing.T) {
	mk := func(w, target string, rep int, ops float64) sample {
		return sample{Workload: w, Target: target, Rep: rep, Load: load{OpsSec: ops, Requests: 100}}
	}
	samples := []sample{
		mk("mix", "redis", 1, 100), mk("mix", "dyn-1", 1, 80),
		mk("mc-mix", memcachedTarget, 1, 200), mk("mc-mix", "dyn-1-mc", 1, 180),
	}
	rows := summarize(samples, []string{"mix", "mc-mix"}, []string{"redis", "dyn-1", memcachedTarget, "dyn-1-mc"})
	if len(rows) != 4 {
		t.Fatalf("unexpected rows; got %d (%+v); want 4", len(rows), rows)
	}
	if r := rows[3]; r.Target != "dyn-1-mc" || r.Ratio != 0.9 {
		t.Fatalf("unexpected dyn-1-mc row; got %+v; want ratio 0.9", r)
	}
}
