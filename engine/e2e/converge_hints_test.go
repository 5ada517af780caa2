package e2e

import (
	"encoding/json"
	"syscall"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// hintBound is how long after a rack is back its datastore must hold the
// same data as the coordinator's: reconnect back-off (up to 10 s) plus the
// replay at repair_rate.
const hintBound = 40 * time.Second

// TestHintedHandoff: rack 3's node and redis are down during writes of
// every data type at DC_ONE through rack 1; once rack 3 is back, rack 1
// replays its hints and every datastore holds the same data, counters
// applied once.
func TestHintedHandoff(t *testing.T) {
	testHints(t, 7000, false)
}

// TestHintsSurviveKill: as TestHintedHandoff, but the coordinator is killed
// with SIGKILL while its hints are pending and started again before rack
// 3 is back: the hints it had written replay after the restart.
func TestHintsSurviveKill(t *testing.T) {
	testHints(t, 2000, true)
}

func testHints(t *testing.T, keys int, kill bool) {
	edit := func(i int, c *enginetest.NodeConfig) {
		c.Extra["hints_dir"] = t.TempDir()
		c.Extra["repair_rate"] = "5000"
	}
	cl := startCluster(t, threeRacks(), enginetest.NodeConfig{Extra: map[string]string{}}, edit, enginetest.ClusterOptions{})
	n0, n2 := cl.nodes[0], cl.nodes[2]
	if err := n2.Node.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := n2.Store.Stop(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := writeEvery(cl.client(0), "h", 0, keys); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d keys written with rack 3 down in %v", keys, time.Since(start))
	// DC_ONE acknowledges before the copies to rack 2 land: let them, so
	// that a kill loses no write in flight (only missed writes are hinted).
	waitSame(t, n0.Store.Addr, cl.nodes[1].Store.Addr, replWait)
	if kill {
		if err := n0.Node.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		select {
		case <-n0.Node.Exited():
		case <-time.After(10 * time.Second):
			t.Fatal("the coordinator did not exit on SIGKILL")
		}
		if err := n0.Node.Restart(); err != nil {
			t.Fatal(err)
		}
	}
	if err := n2.Store.Restart(); err != nil {
		t.Fatal(err)
	}
	if n := dbsize(t, n2.Store.Addr); n != 0 {
		t.Fatalf("rack 3's redis holds %d keys after its restart; want none", n)
	}
	back := time.Now()
	if err := n2.Node.Restart(); err != nil {
		t.Fatal(err)
	}
	d := waitSame(t, n0.Store.Addr, n2.Store.Addr, hintBound)
	t.Logf("rack 3 identical to rack 1 %v after it was started again (%d keys hinted, kill %v)", time.Since(back), keys, kill)
	_ = d
	counterValues(t, n2.Store.Addr, "h", 0, keys)
	// The coordinator's /info: no hint left, each key's replayed.
	deadline := time.Now().Add(5 * time.Second)
	for {
		info := infoFields(t, n0.Node)
		if info["hints_pending"] == 0 && info["hints_replayed"] >= float64(keys) && info["repairs_sent"] >= float64(keys) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unexpected hint stats in /info after the replay: pending %v, replayed %v, repairs_sent %v; want 0, >= %d, >= %d",
				info["hints_pending"], info["hints_replayed"], info["repairs_sent"], keys, keys)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// infoFields returns the numeric top-level fields of node's /info.
func infoFields(t *testing.T, node *enginetest.Proc) map[string]float64 {
	t.Helper()
	_, _, body := httpGet(t, node, "/info")
	var raw map[string]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatalf("cannot decode /info: %v", err)
	}
	out := map[string]float64{}
	for k, v := range raw {
		if f, ok := v.(float64); ok {
			out[k] = f
		}
	}
	return out
}
