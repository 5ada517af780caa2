package outbound

import (
	"testing"
	"time"
)

func TestNextBackoff(t *testing.T) {
	f := func(max time.Duration, want ...time.Duration) {
		t.Helper()
		var d time.Duration
		for i, w := range want {
			d = nextBackoff(d, max)
			if d != w {
				t.Fatalf("unexpected delay %d with cap %v; got %v; want %v", i, max, d, w)
			}
		}
	}
	s := time.Second
	f(10*s, s, 2*s, 4*s, 8*s, 10*s, 10*s)
	f(0, s, 2*s, 4*s, 8*s, 16*s)
	f(200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond)
	f(3*s, s, 2*s, 3*s, 3*s)
}
