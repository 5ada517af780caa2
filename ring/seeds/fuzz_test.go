package seeds_test

import (
	"testing"

	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/seeds"
)

// FuzzSeedList checks that no input panics, that output stays within the
// limits, that what Parse accepts formats back to a list that parses to the
// same seeds, and that Build never fails on accepted seeds.
func FuzzSeedList(f *testing.F) {
	for _, s := range []string{
		"10.0.0.1:8101:rack1:dc1:0|10.0.0.2:8101:rack2:dc1:0",
		"::1:8101:r:d:1,2|[::2]:1:r:d:3",
		"a:1:r:d:99999999999999999999|||",
		"h:8101:r:d:1,1",
		"\xff:\x00|:::::|",
	} {
		f.Add(s)
	}
	hash, _ := ring.HashByName("murmur")
	lim := seeds.Limits{MaxBytes: 4096, MaxRecords: 64}
	f.Fuzz(func(t *testing.T, list string) {
		got, skips, err := seeds.Parse(list, lim)
		if err != nil {
			if got != nil || skips != nil {
				t.Fatalf("unexpected output with error %v", err)
			}
			return
		}
		if len(got)+len(skips) > lim.MaxRecords {
			t.Fatalf("unexpected output size %d + %d", len(got), len(skips))
		}
		again, skips2, err := seeds.Parse(string(seeds.AppendList(nil, got)), seeds.Limits{})
		if err != nil || len(skips2) != 0 || len(again) != len(got) {
			t.Fatalf("unexpected round trip; got %d seeds, %v, %v", len(again), skips2, err)
		}
		for i := range got {
			if again[i].Addr() != got[i].Addr() || again[i].Rack != got[i].Rack || again[i].DC != got[i].DC {
				t.Fatalf("unexpected round trip of %+v; got %+v", got[i], again[i])
			}
		}
		self := seeds.Self{Node: ring.Node{Name: "self", Addr: "127.0.0.1:8101", DC: "dc1", Rack: "rack1", Tokens: []uint32{0}}}
		if _, _, err := seeds.Build(self, got, hash, ""); err != nil {
			t.Fatalf("unexpected Build error; got %v", err)
		}
	})
}
