package admin

import (
	"encoding/json"
	"strings"
	"testing"
)

type memberNode struct {
	*fakeNode
	st MembershipStats
}

func (n *memberNode) MembershipStats() MembershipStats { return n.st }

// TestMembershipFields: a MembershipReporter's counters appear in /info
// after dyn_memory and in /metrics as counters; a node that is not one
// shows none of them.
func TestMembershipFields(t *testing.T) {
	node := &memberNode{fakeNode: newFakeNode(), st: MembershipStats{
		SeedPolls: 5, SeedPollFailures: 2, SeedChanges: 1, SeedSkipped: 3, RingSwaps: 4,
		GossipRounds: 6, GossipSent: 7, GossipReceived: 8, GossipBadPayloads: 9, GossipBadRecords: 10,
		GossipChanges: 11, ThrottleDelayed: 12, ThrottleRefused: 13,
	}}
	ts := startServerWith(t, node)
	body := ts.get(t, "/info").body
	var info map[string]any
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatalf("cannot decode /info %q: %v", body, err)
	}
	want := map[string]float64{"seed_polls": 5, "seed_poll_failures": 2, "seed_changes": 1, "seed_skipped": 3,
		"ring_swaps": 4, "gossip_rounds": 6, "gossip_sent": 7, "gossip_received": 8, "gossip_bad_payloads": 9,
		"gossip_bad_records": 10, "gossip_changes": 11, "throttle_delayed": 12, "throttle_refused": 13}
	for k, v := range want {
		if got, ok := info[k].(float64); !ok || got != v {
			t.Errorf("unexpected /info %s; got %v; want %v", k, info[k], v)
		}
	}
	if i, j := strings.Index(body, `"dyn_memory"`), strings.Index(body, `"seed_polls"`); i < 0 || j < i {
		t.Errorf("seed_polls is not after dyn_memory in %q", body)
	}
	metrics := ts.get(t, "/metrics").body
	for _, m := range []string{"dynomite_seed_polls_total{", "dynomite_seed_poll_failures_total{", "dynomite_ring_swaps_total{",
		"dynomite_gossip_received_total{", "dynomite_throttle_refused_total{"} {
		if !strings.Contains(metrics, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	plain := startServer(t)
	if b := plain.get(t, "/info").body; strings.Contains(b, "seed_polls") {
		t.Errorf("a node that is not a MembershipReporter shows seed_polls in /info")
	}
}
