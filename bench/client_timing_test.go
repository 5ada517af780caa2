//go:build !race

package bench

// Run: go test -run '^$' -bench . -benchmem ./bench/

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkClientRound measures the generator's own cost per request: build
// a pipeline of 1:10 requests, write it to a sink, scan the replies and
// record their latencies.
func BenchmarkClientRound(b *testing.B) {
	for _, size := range []int{32, 1024} {
		b.Run("value="+strconv.Itoa(size), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Pipeline, cfg.Requests, cfg.DataSize = 11, 1<<62, size
			var stop atomic.Bool
			c := newClient(&cfg, 0, 1, make([]byte, size), new(live), &stop)
			c.conn, c.start, c.deadline = sinkConn{}, time.Now(), time.Now().Add(time.Hour)
			round := []byte("+OK\r\n")
			get := appendBulk(nil, make([]byte, size))
			for range 10 {
				round = append(round, get...)
			}
			b.SetBytes(int64(len(round)))
			b.ReportAllocs()
			now := time.Now()
			for b.Loop() {
				if err := c.fill(now); err != nil {
					b.Fatal(err)
				}
				if _, err := c.consume(round, 0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*11), "ns/request")
		})
	}
}
