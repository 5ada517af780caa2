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

// TestObserveRun checks that values gathered in Runs, recorded whenever
// Add refuses a value (which then starts the next run), leave a histogram exactly as one Observe per value.
func TestObserveRun(t *testing.T) {
	vals := []int64{0, 0, 3, 3, 4, 250, 251, 260, 1 << 30, -5, 7, 7, 7}
	one, runs := New(Config{Shards: 1}), New(Config{Shards: 1})
	var r Run
	for _, v := range vals {
		one.Shard(0).Observe(RequestLatency, v)
		if !r.Add(v) {
			runs.Shard(0).ObserveRun(RequestLatency, &r)
			r.Start(v)
		}
	}
	runs.Shard(0).ObserveRun(RequestLatency, &r)
	runs.Shard(0).ObserveRun(RequestLatency, &r) // empty: records nothing
	now := time.Now()
	a, b := one.Snapshot(now).Hists[RequestLatency], runs.Snapshot(now).Hists[RequestLatency]
	if a != b {
		t.Fatalf("unexpected histogram after runs of %v; got %+v; want %+v", vals, b, a)
	}
	if a.Count != int64(len(vals)) {
		t.Fatalf("unexpected count; got %d; want %d", a.Count, len(vals))
	}
}
