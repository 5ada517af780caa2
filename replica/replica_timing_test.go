// Run: go test -run '^$' -bench . -benchmem ./replica/
package replica

import (
	"fmt"
	"testing"
)

var sinkVerdict Verdict

func BenchmarkRouteAndTrack(b *testing.B) {
	for _, racks := range []string{"1", "3", "5"} {
		for _, lvl := range []Level{DCOne, DCQuorum, DCSafeQuorum} {
			b.Run(fmt.Sprintf("racks=%s/%v", racks, lvl), func(b *testing.B) {
				topo := newFakeTopo(racks)
				var p Plan
				var tr Tracker
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					Route(topo, Request{Write: i%10 == 0, Level: lvl, Token: uint32(i)}, &p)
					tr.Start(topo, &p)
					for j := range p.Targets {
						if sinkVerdict = tr.Step(j, Reply{Sum: 1}); sinkVerdict != Pending {
							break
						}
					}
				}
			})
		}
	}
}
