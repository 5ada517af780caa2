//go:build !race

package membership_test

import (
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/membership"
)

func TestThrottleAllocs(t *testing.T) {
	th := membership.NewThrottle(100, 10)
	now := time.Unix(1_700_000_000, 0)
	allocs := testing.AllocsPerRun(1000, func() {
		now = now.Add(time.Millisecond)
		_, _ = th.Admit(now)
	})
	if allocs != 0 {
		t.Errorf("unexpected allocations per Admit; got %v; want 0", allocs)
	}
	if st := th.Stats(); st.Sent == 0 || st.Delayed == 0 || st.Refused == 0 {
		t.Errorf("unexpected stats %+v: every verdict should have been measured", st)
	}
}
