package stats

import (
	"testing"
	"time"
)

// TestObserveN checks that ObserveN(v, n) leaves a histogram exactly as n
// calls of Observe(v) do.
func TestObserveN(t *testing.T) {
	f := func(vals []int64, counts []int64) {
		t.Helper()
		one, many := New(Config{Shards: 1}), New(Config{Shards: 1})
		for i, v := range vals {
			for j := int64(0); j < counts[i]; j++ {
				one.Shard(0).Observe(ServerLatency, v)
			}
			many.Shard(0).ObserveN(ServerLatency, v, counts[i])
		}
		now := time.Now()
		a, b := one.Snapshot(now).Hists[ServerLatency], many.Snapshot(now).Hists[ServerLatency]
		if a != b {
			t.Fatalf("unexpected histogram after ObserveN of %v x %v; got %+v; want %+v", vals, counts, b, a)
		}
	}
	f([]int64{7}, []int64{1})
	f([]int64{7, 7000, 3}, []int64{16, 2, 5})
	f([]int64{-4, 1 << 40}, []int64{3, 4})
	f([]int64{5, 9}, []int64{0, 3})
	f([]int64{5}, []int64{-2})
}
