//go:build !race

package ring_test

import (
	"testing"

	"github.com/dynomite-go/dynomite/ring"
)

// The lookup path allocates nothing: every hash, Token, Owner, and
// AppendOwners into a slice with capacity.
func TestLookupAllocs(t *testing.T) {
	s := benchSnapshot(t, 3, 3, 16)
	key := []byte("user:{12345}:profile")
	owners := make([]int, 0, 8)
	for _, name := range ring.HashNames() {
		fn, _ := ring.HashByName(name)
		if n := testing.AllocsPerRun(100, func() { sinkU32 = fn(key) }); n != 0 {
			t.Errorf("unexpected allocations in %s; got %v; want 0", name, n)
		}
	}
	n := testing.AllocsPerRun(100, func() {
		tok := s.Token(key)
		sinkInt = s.Owner(s.LocalDC(), s.LocalRack(), tok)
		owners = s.AppendOwners(owners[:0], s.LocalDC(), tok)
		for _, r := range s.RemoteRacks(1) {
			sinkInt += s.Owner(1, r, tok)
		}
	})
	if n != 0 {
		t.Fatalf("unexpected allocations in lookup; got %v; want 0", n)
	}
}
