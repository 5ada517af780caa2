//go:build !race

package bufpool

import "testing"

func TestAllocsGetPut(t *testing.T) {
	var p Pool
	p.Put(p.Get())
	if n := testing.AllocsPerRun(1000, func() { p.Put(p.Get()) }); n != 0 {
		t.Fatalf("unexpected allocations in Get and Put; got %v; want 0", n)
	}
}
