package engine

// Run: go test -run x -bench BenchmarkClusterDCOneGET -benchmem ./engine/

import (
	"fmt"
	"testing"

	"github.com/dynomite-go/dynomite/conf"
)

// threeRackRigConfig is the configuration of rack1's node of a 3-rack
// cluster whose peers are never dialled, in front of a socketpair datastore.
func threeRackRigConfig() *conf.Config {
	cfg := testConfig("127.0.0.1:1")
	p := &cfg.Pool
	p.DynListen = tcpAddr(1)
	p.Datacenter, p.Rack, p.Tokens = "dc1", "rack1", []uint32{0}
	p.DynSeeds = []conf.Seed{
		{Addr: tcpAddr(2), Rack: "rack2", DC: "dc1", Tokens: []uint32{0}},
		{Addr: tcpAddr(3), Rack: "rack3", DC: "dc1", Tokens: []uint32{0}},
	}
	return cfg
}

// BenchmarkClusterDCOneGET is BenchmarkForwardPipelinedGET through the
// coordinator: each GET is routed, tracked and answered through a fanout.
// Compare with BenchmarkForwardPipelinedGET for the cost of routing.
func BenchmarkClusterDCOneGET(b *testing.B) {
	for _, depth := range []int{1, 16} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			_, round := forwardRigWith(b, depth, Options{Config: threeRackRigConfig()})
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				round()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*depth), "ns/request")
		})
	}
}
