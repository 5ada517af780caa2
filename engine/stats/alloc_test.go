//go:build !race

package stats

import "testing"

func TestAllocsIncrementAndObserve(t *testing.T) {
	r := New(Config{})
	sh := r.Shard(1)
	f := func(name string, fn func()) {
		t.Helper()
		if n := testing.AllocsPerRun(1000, fn); n != 0 {
			t.Fatalf("unexpected allocations in %s; got %v; want 0", name, n)
		}
	}
	f("Inc", func() { sh.Inc(ClientReadRequests) })
	f("Add", func() { sh.Add(PeerRequestBytes, 512) })
	f("Dec", func() { sh.Dec(ClientConnections) })
	f("AddMem", func() { sh.AddMem(FreeMbufs, 1) })
	f("SetTimestamp", func() { sh.SetTimestamp(PeerEjectedAt, 12345) })
	f("Observe", func() { sh.Observe(RequestLatency, 1234) })
	f("Registry.Add", func() { r.Add(StatsCount, 1) })
}
