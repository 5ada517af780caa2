package core

import (
	"runtime"
	"testing"
)

// A node spins for one client up to spinClients of them, not for none and
// not for more.
func TestSpinOnlyForFewClients(t *testing.T) {
	s := Spin{MaxClients: 2}
	for n, want := range []bool{false, true, true, false, false} {
		if got := s.forClients(int32(n)); got != want {
			t.Errorf("forClients(%d) with maxClients 2: %v, want %v", n, got, want)
		}
	}
	if got := SpinClients(); got < 4 || int(got) > 4*runtime.NumCPU() {
		t.Fatalf("spinClients() = %d, want 4..%d", got, 4*runtime.NumCPU())
	}
}
