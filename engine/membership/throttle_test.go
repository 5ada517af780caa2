package membership_test

import (
	"errors"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/membership"
)

func TestThrottle(t *testing.T) {
	type step struct {
		at      time.Duration // since start
		n       int           // requests at that instant
		want    string        // per request: s (send now), w (wait), r (refused)
		maxWait time.Duration // longest wait among them
	}
	cases := []struct {
		name         string
		rate, queue  int
		steps        []step
		sent, delays uint64
		refused      uint64
	}{
		{"burst of the rate goes at once, then one per 1/rate",
			10, 5, []step{
				{0, 10, "ssssssssss", 0},
				{0, 6, "wwwwwr", 500 * time.Millisecond},
				{500 * time.Millisecond, 1, "w", 100 * time.Millisecond}, // the five queued are due by now
			}, 10, 6, 1},
		{"the bucket refills with time",
			10, 1, []step{
				{0, 10, "ssssssssss", 0},
				{time.Second, 11, "ssssssssssw", 100 * time.Millisecond},
				{time.Second, 1, "r", 0},
			}, 20, 1, 1},
		{"no limit",
			0, 0, []step{{0, 1000, "", 0}}, 1000, 0, 0},
	}
	start := time.Unix(1_700_000_000, 0)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := membership.NewThrottle(tc.rate, tc.queue)
			for i, s := range tc.steps {
				got := make([]byte, 0, s.n)
				var maxWait time.Duration
				for range s.n {
					d, err := th.Admit(start.Add(s.at))
					switch {
					case errors.Is(err, membership.ErrThrottled):
						got = append(got, 'r')
					case err != nil:
						t.Fatalf("unexpected error %v", err)
					case d == 0:
						got = append(got, 's')
					default:
						got = append(got, 'w')
						maxWait = max(maxWait, d)
					}
				}
				if s.want != "" && (string(got) != s.want || maxWait != s.maxWait) {
					t.Errorf("step %d: unexpected verdicts %s (longest wait %s); want %s (%s)", i, got, maxWait, s.want, s.maxWait)
				}
			}
			st := th.Stats()
			if st.Sent != tc.sent || st.Delayed != tc.delays || st.Refused != tc.refused {
				t.Errorf("unexpected stats %+v; want sent %d delayed %d refused %d", st, tc.sent, tc.delays, tc.refused)
			}
		})
	}
}
