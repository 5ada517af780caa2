//go:build !portable && !race

package sock

import (
	"syscall"
	"testing"
	"time"
)

// A look allocates nothing, ready or empty.
func TestAllocsLook(t *testing.T) {
	ep, _, w := watched(t)
	deadline := time.Now()
	if got := testing.AllocsPerRun(100, func() { ep.Look(deadline) }); got != 0 {
		t.Fatalf("unexpected allocations of an empty look; got %v; want 0", got)
	}
	if _, err := syscall.Write(w, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got := testing.AllocsPerRun(100, func() { ep.Look(deadline) }); got != 0 {
		t.Fatalf("unexpected allocations of a ready look; got %v; want 0", got)
	}
}

// A park allocates nothing, ready at once or after its bound.
func TestAllocsPark(t *testing.T) {
	ep, _, w := watched(t)
	if got := testing.AllocsPerRun(20, func() { ep.Park(1) }); got != 0 {
		t.Fatalf("unexpected allocations of an empty park; got %v; want 0", got)
	}
	if _, err := syscall.Write(w, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got := testing.AllocsPerRun(100, func() { ep.Park(1) }); got != 0 {
		t.Fatalf("unexpected allocations of a ready park; got %v; want 0", got)
	}
}
