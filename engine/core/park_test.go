package core

import (
	"runtime"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/sock"
)

// Parking is on by default (DefaultPark) where a P is left idle, with the
// bound asked (rounded up to whole milliseconds) when one is; off when
// asked (a negative bound) and where the pollers take every P.
func TestParkInit(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	f := func(park time.Duration, pollers, want int) {
		t.Helper()
		var p Park
		p.Init(park, sock.NetpollConfig{Pollers: pollers})
		if p.MS != want {
			t.Errorf("Init(%v) with %d pollers under GOMAXPROCS %d: %d ms, want %d", park, pollers, procs, p.MS, want)
		}
	}
	f(2*time.Millisecond, procs, 0)
	f(-1, max(procs-1, 1), 0)
	if !sock.CanLook || procs < 2 {
		f(2*time.Millisecond, 1, 0)
		f(0, 1, 0)
		return
	}
	f(0, procs-1, int(DefaultPark/time.Millisecond))
	f(1500*time.Microsecond, procs-1, 2)
	f(5*time.Millisecond, procs-1, 5)
}
