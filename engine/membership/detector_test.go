package membership_test

import (
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/ring/gossip"
)

func TestDetector(t *testing.T) {
	const s = int64(time.Second)
	type step struct {
		op     string // fail, ok, gossip-down, gossip-normal, allow
		at     int64
		want   bool // the method's result
		wantUp bool
	}
	cases := []struct {
		name  string
		cfg   membership.DetectorConfig
		steps []step
	}{
		{"down after the limit, probe after retry, up on success",
			membership.DetectorConfig{AutoEject: true, FailureLimit: 3, RetryTimeout: 10 * time.Second},
			[]step{
				{"fail", 1 * s, false, true},
				{"fail", 2 * s, false, true},
				{"allow", 2 * s, true, true},
				{"fail", 3 * s, true, false},
				{"allow", 4 * s, false, false},
				{"allow", 12 * s, false, false},
				{"allow", 13 * s, true, false},  // the probe
				{"allow", 13 * s, false, false}, // only one
				{"ok", 14 * s, true, true},
				{"allow", 14 * s, true, true},
			}},
		{"a failed probe waits a full retry again",
			membership.DetectorConfig{AutoEject: true, FailureLimit: 1, RetryTimeout: 10 * time.Second},
			[]step{
				{"fail", 1 * s, true, false},
				{"allow", 11 * s, true, false},
				{"fail", 12 * s, false, false},
				{"allow", 21 * s, false, false},
				{"allow", 22 * s, true, false},
			}},
		{"success resets the count",
			membership.DetectorConfig{AutoEject: true, FailureLimit: 2, RetryTimeout: time.Second},
			[]step{
				{"fail", 1 * s, false, true},
				{"ok", 2 * s, false, true},
				{"fail", 3 * s, false, true},
				{"fail", 4 * s, true, false},
			}},
		{"no ejection without auto_eject_hosts",
			membership.DetectorConfig{AutoEject: false, FailureLimit: 1, RetryTimeout: time.Second},
			[]step{
				{"fail", 1 * s, false, true},
				{"fail", 2 * s, false, true},
				{"allow", 2 * s, true, true},
			}},
		{"gossip overrides",
			membership.DetectorConfig{AutoEject: true, FailureLimit: 3, RetryTimeout: 10 * time.Second},
			[]step{
				{"gossip-down", 1 * s, true, false},
				{"allow", 2 * s, false, false},
				{"gossip-down", 3 * s, false, false},
				{"gossip-normal", 4 * s, true, true},
				{"allow", 4 * s, true, true},
				{"fail", 5 * s, false, true},
				{"fail", 6 * s, false, true},
				{"gossip-normal", 7 * s, false, true},
				{"fail", 8 * s, false, true}, // the count was reset
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := membership.NewDetector(c.cfg, []string{"a", "b"})
			for i, st := range c.steps {
				var got bool
				switch st.op {
				case "fail":
					got = d.Failure(1, st.at)
				case "ok":
					got = d.Success(1)
				case "gossip-down":
					got = d.Gossip(1, gossip.Down, st.at)
				case "gossip-normal":
					got = d.Gossip(1, gossip.Normal, st.at)
				case "allow":
					got = d.Allow(1, st.at)
				}
				if got != st.want || d.Up(1) != st.wantUp {
					t.Fatalf("step %d %s at %ds: unexpected result; got %v up=%v; want %v up=%v", i, st.op, st.at/s, got, d.Up(1), st.want, st.wantUp)
				}
				if !d.Up(0) || !d.Allow(0, st.at) {
					t.Fatalf("step %d: the other peer changed", i)
				}
			}
		})
	}
}

func TestDetectorFollow(t *testing.T) {
	d := membership.NewDetector(membership.DetectorConfig{AutoEject: true, FailureLimit: 1, RetryTimeout: time.Minute}, []string{"a", "b", "c"})
	d.Failure(1, 5)
	d.Failure(2, 5)
	n := d.Follow([]string{"c", "d"})
	if n.Len() != 2 || n.Up(0) || !n.Up(1) || n.State(0) != gossip.Down || n.Ejects(0) != 1 {
		t.Fatalf("unexpected state after Follow; up %v %v", n.Up(0), n.Up(1))
	}
}

func TestDetectorAllowAllocs(t *testing.T) {
	d := membership.NewDetector(membership.DetectorConfig{AutoEject: true, FailureLimit: 1, RetryTimeout: time.Second}, []string{"a"})
	d.Failure(0, 1)
	if n := testing.AllocsPerRun(100, func() { d.Allow(0, 2) }); n != 0 {
		t.Fatalf("unexpected allocations in Allow; got %v", n)
	}
}
