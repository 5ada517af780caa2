package engine

// In-process cost of the engine's forward path (no poller, socketpairs):
//
//	go test -run '^$' -bench ForwardPipelined -benchmem ./engine/

import (
	"fmt"
	"testing"
)

func BenchmarkForwardPipelinedGET(b *testing.B) {
	for _, depth := range []int{1, 16, maxPipeline} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			_, round := forwardRig(b, depth)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				round()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*depth), "ns/request")
		})
	}
}
