package enginetest

import (
	"net"
	"strconv"
	"testing"
)

// FreePort's ports are bindable and below the ephemeral range, where no
// outgoing connection can take them.
func TestFreePortBelowEphemeralRange(t *testing.T) {
	low := ephemeralLow()
	for i := 0; i < 20; i++ {
		p, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if p >= low || p < 20000 {
			t.Fatalf("unexpected port %d; want one in [20000, %d)", p, low)
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Fatalf("port %d is not free: %v", p, err)
		}
		l.Close()
	}
}

// FreePort never returns a port twice in one process, even when none of
// them was bound in between.
func TestFreePortNeverRepeats(t *testing.T) {
	seen := map[int]bool{}
	for range 2000 {
		p, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if seen[p] {
			t.Fatalf("port %d returned twice", p)
		}
		seen[p] = true
	}
}
