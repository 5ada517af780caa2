package stats

// Run: go test ./engine/stats -run '^$' -bench . -benchmem

import (
	"sync/atomic"
	"testing"
	"time"
)

func BenchmarkShardInc(b *testing.B) {
	r := New(Config{})
	sh := r.Shard(0)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sh.Inc(ClientReadRequests)
	}
}

// BenchmarkShardIncParallel gives each goroutine its own shard, as the
// engine does per poller.
func BenchmarkShardIncParallel(b *testing.B) {
	r := New(Config{})
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		sh := r.Shard(int(next.Add(1)))
		for pb.Next() {
			sh.Inc(ClientReadRequests)
			sh.Add(ReadRequestBytes, 64)
		}
	})
}

// BenchmarkOneShardParallel is the contended baseline: every goroutine on
// shard 0.
func BenchmarkOneShardParallel(b *testing.B) {
	r := New(Config{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		sh := r.Shard(0)
		for pb.Next() {
			sh.Inc(ClientReadRequests)
			sh.Add(ReadRequestBytes, 64)
		}
	})
}

func BenchmarkObserve(b *testing.B) {
	r := New(Config{})
	sh := r.Shard(0)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sh.Observe(RequestLatency, int64(i&0xffff))
	}
}

func BenchmarkObserveParallel(b *testing.B) {
	r := New(Config{})
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		sh := r.Shard(int(next.Add(1)))
		i := int64(0)
		for pb.Next() {
			i++
			sh.Observe(RequestLatency, i&0xffff)
		}
	})
}

func BenchmarkAggregate(b *testing.B) {
	r := New(Config{})
	now := time.Now()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Aggregate(now)
	}
}
