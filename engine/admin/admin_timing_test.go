package admin

// Run: go test ./engine/admin -run '^$' -bench . -benchmem

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dynomite-go/dynomite/engine/stats"
)

func BenchmarkAppendInfo(b *testing.B) {
	st := stats.New(testConfig())
	fixedCounters(st)
	now := time.Now()
	snap := st.Aggregate(now)
	buf := appendInfo(nil, st.Config(), st.Start(), snap, now)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = appendInfo(buf[:0], st.Config(), st.Start(), snap, now)
	}
}

func BenchmarkAppendClusterDescribe(b *testing.B) {
	topo := newFakeNode().Topology()
	var buf []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = appendClusterDescribe(buf[:0], topo)
	}
}

// BenchmarkGather is the cost of one /metrics scrape without HTTP.
func BenchmarkGather(b *testing.B) {
	st := stats.New(testConfig())
	fixedCounters(st)
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(st, newFakeNode()))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}
