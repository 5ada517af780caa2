package gossip_test

import (
	"slices"
	"testing"

	"github.com/dynomite-go/dynomite/ring/gossip"
)

// FuzzGossipPayload checks that no payload panics, that output is bounded by
// the limits, and that accepted records encode to a payload that decodes to
// the same records.
func FuzzGossipPayload(f *testing.F) {
	for _, s := range []string{
		"dc1$rack1$2147483648,1700000000,2,10.0.0.2:8101",
		"a$b$0,1,4,h|a$c$1,2,8,[::1]:8101",
		"$$,,,|||",
		"dc$r$99999999999999999999,18446744073709551616,4,h",
	} {
		f.Add([]byte(s))
	}
	lim := gossip.Limits{MaxBytes: 4096, MaxRecords: 64}
	f.Fuzz(func(t *testing.T, payload []byte) {
		recs, skips, err := gossip.Decode(payload, lim)
		if err != nil {
			if recs != nil || skips != nil {
				t.Fatalf("unexpected output with error %v", err)
			}
			return
		}
		if len(recs)+len(skips) > lim.MaxRecords {
			t.Fatalf("unexpected output size %d + %d", len(recs), len(skips))
		}
		again, skips2, err := gossip.Decode(gossip.AppendTable(nil, recs), gossip.Limits{})
		if len(recs) == 0 {
			return
		}
		if err != nil || len(skips2) != 0 || !slices.Equal(again, recs) {
			t.Fatalf("unexpected round trip of %+v; got %+v, %v, %v", recs, again, skips2, err)
		}
	})
}
