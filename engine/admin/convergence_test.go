package admin

import (
	"encoding/json"
	"strings"
	"testing"
)

type convergeNode struct {
	*fakeNode
	st ConvergenceStats
}

func (n *convergeNode) ConvergenceStats() ConvergenceStats { return n.st }

// TestConvergenceFields: a Converger's counters appear in /info after
// dyn_memory, before the pool object, and in /metrics; a node that is not
// one shows none of them.
func TestConvergenceFields(t *testing.T) {
	node := &convergeNode{fakeNode: newFakeNode(), st: ConvergenceStats{
		HintsPending: 3, HintsPendingBytes: 300, HintsReplayed: 7, HintsDropped: 1,
		RepairsSent: 42, WarmScanned: 10, WarmCopied: 9, WarmTotal: 20, WarmRunning: true,
	}}
	ts := startServerWith(t, node)
	body := ts.get(t, "/info").body
	var info map[string]any
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatalf("cannot decode /info %q: %v", body, err)
	}
	want := map[string]float64{"hints_pending": 3, "hints_pending_bytes": 300, "hints_replayed": 7, "hints_dropped": 1,
		"repairs_sent": 42, "warm_up_scanned": 10, "warm_up_copied": 9, "warm_up_total": 20, "warm_up_running": 1}
	for k, v := range want {
		if got, ok := info[k].(float64); !ok || got != v {
			t.Errorf("unexpected /info %s; got %v; want %v", k, info[k], v)
		}
	}
	if i, j := strings.Index(body, `"dyn_memory"`), strings.Index(body, `"hints_pending"`); i < 0 || j < i {
		t.Errorf("hints_pending is not after dyn_memory in %q", body)
	}
	metrics := ts.get(t, "/metrics").body
	for _, m := range []string{"dynomite_hints_pending{", "dynomite_hints_replayed_total{", "dynomite_repairs_sent_total{", "dynomite_warm_up_running{"} {
		if !strings.Contains(metrics, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
	plain := startServer(t)
	if b := plain.get(t, "/info").body; strings.Contains(b, "hints_pending") {
		t.Errorf("a node that is not a Converger shows hints_pending in /info")
	}
}
