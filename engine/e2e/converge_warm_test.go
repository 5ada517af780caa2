package e2e

import (
	"bytes"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// TestWarmUpFromPeerRack empties rack 3's redis and warms it with the
// dynomite repair subcommand from rack 1's while clients write through
// rack 1: meanwhile rack 3's node is RESUMING and still serves reads (from
// the other racks); at the end it is NORMAL and both datastores hold the
// same data.
func TestWarmUpFromPeerRack(t *testing.T) {
	cl := startCluster(t, threeRacks(), enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	src, dst := cl.nodes[0].Store.Addr, cl.nodes[2].Store.Addr
	const pre = 3500
	if err := writeEvery(cl.client(0), "pre", 0, pre); err != nil {
		t.Fatal(err)
	}
	waitSame(t, src, dst, replWait)
	if r, err := cl.store(2).Do("FLUSHALL"); err != nil || r.IsError() {
		t.Fatalf("FLUSHALL: %v %v", r, err)
	}

	// Clients keep writing new keys through rack 1 during the warm-up.
	var stop atomic.Bool
	var wg sync.WaitGroup
	var written atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := cl.client(0)
		for i := 0; i < 3000 && !stop.Load(); i += 50 {
			if err := writeEvery(c, "live", i, i+50); err != nil {
				t.Errorf("write during the warm-up: %v", err)
				return
			}
			written.Store(int64(i + 50))
			time.Sleep(30 * time.Millisecond)
		}
	}()

	node2 := cl.nodes[2].Node
	var out bytes.Buffer
	cmd := exec.Command(enginetest.BuildDynomite(t), "repair", "-s", cl.nodes[2].Node.StatsAddr,
		"-source", src, "-rate", "1500", "-i", "200ms", "-timeout", "60s")
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	// While it runs: RESUMING, and a read through rack 3 is served.
	sawResuming, served := false, false
	var runErr error
	for waiting := true; waiting; {
		select {
		case runErr = <-done:
			waiting = false
		case <-time.After(100 * time.Millisecond):
			if _, _, body := httpGet(t, node2, "/state/get_state"); strings.Contains(body, "RESUMING") {
				sawResuming = true
				if r, err := cl.client(2).Do("GET", "pre:0"); err == nil && string(r.Str) == "v0" {
					served = true
				}
			}
			if time.Since(start) > 90*time.Second {
				cmd.Process.Kill()
			}
		}
	}
	elapsed := time.Since(start)
	stop.Store(true)
	wg.Wait()
	if runErr != nil {
		t.Fatalf("dynomite repair: %v\n%s", runErr, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	t.Logf("warm-up of %d keys with %d written meanwhile took %v; last line: %s", pre, written.Load(), elapsed, lines[len(lines)-1])
	if !strings.Contains(out.String(), "keys/s") {
		t.Errorf("no progress line in the repair output:\n%s", out.String())
	}
	if !sawResuming || !served {
		t.Errorf("during the warm-up: state RESUMING seen %v, read through rack 3 served %v; want both", sawResuming, served)
	}
	if _, _, body := httpGet(t, node2, "/state/get_state"); !strings.Contains(body, "NORMAL") {
		t.Errorf("after the warm-up: %q; want NORMAL", body)
	}
	d := waitSame(t, src, dst, replWait)
	t.Logf("identical %v after the warm-up ended", d)
	if info := infoFields(t, node2); info["warm_up_copied"] < pre || info["warm_up_running"] != 0 || info["repairs_sent"] < pre {
		t.Errorf("unexpected warm-up stats in /info: copied %v, running %v, repairs_sent %v; want >= %d, 0, >= %d",
			info["warm_up_copied"], info["warm_up_running"], info["repairs_sent"], pre, pre)
	}
	counterValues(t, dst, "pre", 0, pre)
	counterValues(t, dst, "live", 0, int(written.Load()))
}

// TestWarmUpAtStart: a node with warm_up_from whose datastore is empty
// copies its keys from the peer rack at start by itself.
func TestWarmUpAtStart(t *testing.T) {
	cl := startCluster(t, threeRacks(), enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	src, dst := cl.nodes[0].Store.Addr, cl.nodes[2].Store.Addr
	if err := writeEvery(cl.client(0), "pre", 0, 700); err != nil {
		t.Fatal(err)
	}
	waitSame(t, src, dst, replWait)
	n2 := cl.nodes[2]
	if err := n2.Node.Stop(); err != nil {
		t.Fatal(err)
	}
	if r, err := cl.store(2).Do("FLUSHALL"); err != nil || r.IsError() {
		t.Fatalf("FLUSHALL: %v %v", r, err)
	}
	n2.Config.Extra = map[string]string{"warm_up_from": src}
	p, err := enginetest.StartNode(enginetest.BuildDynomite(t), n2.Config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	d := waitSame(t, src, dst, 30*time.Second)
	t.Logf("warmed up at start within %v", d)
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, _, body := httpGet(t, p, "/state/get_state")
		if strings.Contains(body, "NORMAL") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the warm-up at start: %q; want NORMAL", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
