package stats

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/klauspost/cpuid/v2"
)

func TestCountersExact(t *testing.T) {
	r := New(Config{Shards: 4})
	var wg sync.WaitGroup
	const workers, per = 8, 1000
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			sh := r.Shard(w)
			for i := 0; i < per; i++ {
				sh.Inc(ClientReadRequests)
				sh.Add(ReadRequestBytes, 3)
				sh.Inc(ClientConnections)
				sh.Dec(ClientConnections)
				sh.AddMem(AllocMsgs, 2)
			}
		}(w)
	}
	wg.Wait()
	r.Add(StatsCount, 5)
	f := func(m Metric, want int64) {
		t.Helper()
		if got := r.Value(m); got != want {
			t.Fatalf("unexpected %s; got %d; want %d", m, got, want)
		}
	}
	f(ClientReadRequests, workers*per)
	f(ReadRequestBytes, 3*workers*per)
	f(ClientConnections, 0)
	f(StatsCount, 5)
	f(ClientEOF, 0)
	if got := r.MemValue(AllocMsgs); got != 2*workers*per {
		t.Fatalf("unexpected alloc_msgs; got %d; want %d", got, 2*workers*per)
	}
	s := r.Aggregate(time.Now())
	if s.Value(ClientReadRequests) != workers*per || s.Mem[AllocMsgs] != 2*workers*per {
		t.Fatalf("unexpected snapshot; got %d %d", s.Value(ClientReadRequests), s.Mem[AllocMsgs])
	}
	if runtime.GOOS == "linux" && s.MaxRSS <= 0 {
		t.Fatalf("unexpected dyn_memory %d; want the process's ru_maxrss", s.MaxRSS)
	}
	if r.Latest() != s {
		t.Fatalf("unexpected Latest; not the aggregated snapshot")
	}
}

func TestTimestampLatestNonZero(t *testing.T) {
	r := New(Config{})
	r.SetTimestamp(ServerEjectedAt, 1000)
	r.Shard(3).SetTimestamp(ServerEjectedAt, 2000)
	r.SetTimestamp(ServerEjectedAt, 0)
	if got := r.Value(ServerEjectedAt); got != 2000 {
		t.Fatalf("unexpected server_ejected_at; got %d; want 2000", got)
	}
	if got := r.Snapshot(time.Now()).Value(ServerEjectedAt); got != 2000 {
		t.Fatalf("unexpected snapshot server_ejected_at; got %d; want 2000", got)
	}
}

func TestShardLayout(t *testing.T) {
	r := New(Config{Shards: 3})
	if r.NumShards() != 4 {
		t.Fatalf("unexpected shard count; got %d; want 4", r.NumShards())
	}
	if r.Shard(5) != r.Shard(1) {
		t.Fatalf("unexpected shard for index 5; want the same as index 1")
	}
	line := uintptr(max(cpuid.CPU.CacheLine, 8))
	for i := 0; i < r.NumShards(); i++ {
		p := uintptr(unsafe.Pointer(&r.Shard(i).cells[0]))
		if p%line != 0 {
			t.Fatalf("unexpected alignment of shard %d: %d mod %d", i, p%line, line)
		}
		if i > 0 {
			prev := r.Shard(i - 1).cells
			end := uintptr(unsafe.Pointer(&prev[len(prev)-1])) + 8
			if p-end < line {
				t.Fatalf("unexpected gap between shards %d and %d: %d bytes", i-1, i, p-end)
			}
		}
	}
}

func TestHistogramSummary(t *testing.T) {
	r := New(Config{Shards: 2})
	for v := int64(1); v <= 1000; v++ {
		r.Shard(int(v)).Observe(RequestLatency, v)
	}
	s := r.Snapshot(time.Now()).Hists[RequestLatency]
	if s.Count != 1000 || s.Sum != 500500 {
		t.Fatalf("unexpected count/sum; got %d/%d", s.Count, s.Sum)
	}
	w := s.Window
	if w.Max != 1000 || w.Mean != 500 || w.Count != 1000 {
		t.Fatalf("unexpected window %+v", w)
	}
	// Bucket bounds are at most ~20% above the true value.
	check := func(name string, got, want int64) {
		t.Helper()
		if got < want || float64(got) > float64(want)*1.21 {
			t.Fatalf("unexpected %s; got %d; want %d..%d", name, got, want, int64(float64(want)*1.21))
		}
	}
	check("p95", w.P95, 950)
	check("p99", w.P99, 990)
	check("p999", w.P999, 999)
}

func TestHistogramWindowReset(t *testing.T) {
	r := New(Config{HistogramWindow: time.Hour})
	sh := r.Shard(0)
	sh.Observe(ServerLatency, 5000)
	now := time.Now()
	if got := r.Aggregate(now).Hists[ServerLatency].Window.Max; got != 5000 {
		t.Fatalf("unexpected max before reset; got %d; want 5000", got)
	}
	r.ResetHistograms()
	s := r.Aggregate(now)
	if w := s.Hists[ServerLatency].Window; w != (Summary{}) {
		t.Fatalf("unexpected window after reset; got %+v; want zero", w)
	}
	if s.Hists[ServerLatency].Count != 1 {
		t.Fatalf("unexpected cumulative count after reset; got %d; want 1", s.Hists[ServerLatency].Count)
	}
	sh.Observe(ServerLatency, 7)
	w := r.Aggregate(now).Hists[ServerLatency].Window
	if w.Count != 1 || w.Max != 7 || w.Mean != 7 || w.P99 != 7 {
		t.Fatalf("unexpected window after new value; got %+v", w)
	}
	// The window also starts over once HistogramWindow has elapsed.
	w = r.Aggregate(now.Add(2 * time.Hour)).Hists[ServerLatency].Window
	if w.Count != 0 {
		t.Fatalf("unexpected window after elapsed period; got %+v", w)
	}
}

func TestBounds(t *testing.T) {
	b := Bounds()
	for i := 1; i < NumBuckets; i++ {
		if b[i] <= b[i-1] {
			t.Fatalf("unexpected bounds; b[%d]=%d <= b[%d]=%d", i, b[i], i-1, b[i-1])
		}
	}
	if b[NumBuckets-1] < 10_000_000 {
		t.Fatalf("unexpected top bound %d; want at least 10s in microseconds", b[NumBuckets-1])
	}
	f := func(v int64, want int) {
		t.Helper()
		if got := bucketOf(v); got != want {
			t.Fatalf("unexpected bucket of %d; got %d; want %d", v, got, want)
		}
	}
	f(0, 0)
	f(1, 0)
	f(2, 1)
	f(b[40], 40)
	f(b[40]+1, 41)
	f(1<<62, NumBuckets-1)
}

func TestHistogramOverflow(t *testing.T) {
	r := New(Config{})
	r.Shard(0).Observe(PayloadSize, 1<<40)
	r.Shard(0).Observe(PayloadSize, -5)
	w := r.Snapshot(time.Now()).Hists[PayloadSize].Window
	if w.Max != 1<<40 || w.P99 != 1<<40 {
		t.Fatalf("unexpected overflow summary %+v", w)
	}
}

func TestRunAggregates(t *testing.T) {
	r := New(Config{Interval: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	r.Shard(0).Inc(ForwardError)
	deadline := time.Now().Add(5 * time.Second)
	for r.Latest().Value(ForwardError) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("unexpected: aggregator did not publish within 5s")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
}
