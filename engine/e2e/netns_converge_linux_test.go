//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/enginetest/netns"
)

// startNetnsRacks starts, in each host of nt, a redis-server on port 6379
// and a dynomite node of its own rack (rack<i+1>, dc1, client port 8102,
// peer port 8101, stats 22222) with the given request timeout and extra
// YAML lines of the pool (each indented by two spaces). The test's
// cleanup stops them all.
func startNetnsRacks(t *testing.T, nt *netns.Net, timeoutMs int, extra string) {
	t.Helper()
	bin := enginetest.BuildDynomite(t)
	hosts := nt.Hosts()
	for i, h := range hosts {
		dir := t.TempDir()
		srv := h.Command("redis-server", "--bind", h.Addr.String(), "--port", "6379", "--protected-mode", "no",
			"--save", "", "--appendonly", "no", "--dir", dir)
		if err := srv.Start(); err != nil {
			t.Fatalf("cannot start redis-server in %s: %v", h.Name, err)
		}
		t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
		var seeds []string
		for j, o := range hosts {
			if j != i {
				seeds = append(seeds, fmt.Sprintf("  - %s:8101:rack%d:dc1:0", o.Addr, j+1))
			}
		}
		yaml := fmt.Sprintf(`dyn_o_mite:
  listen: %[1]s:8102
  dyn_listen: %[1]s:8101
  stats_listen: %[1]s:22222
  servers:
  - %[1]s:6379:1
  datacenter: dc1
  rack: rack%[2]d
  tokens: 0
  dyn_seeds:
%[3]s
  data_store: 0
  timeout: %[4]d
  server_retry_timeout: 1000
  auto_eject_hosts: true
  server_failure_limit: 2
  read_consistency: DC_ONE
  write_consistency: DC_ONE
%[5]s`, h.Addr, i+1, strings.Join(seeds, "\n"), timeoutMs, extra)
		path := filepath.Join(dir, "dynomite.yml")
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		node := h.Command(bin, "-c", path)
		if err := node.Start(); err != nil {
			t.Fatalf("cannot start dynomite in %s: %v", h.Name, err)
		}
		t.Cleanup(func() { _ = node.Process.Kill(); _ = node.Wait() })
	}
}

// dialNetns connects to addr, retrying for up to 20 s while the node
// starts; the test's cleanup closes the client.
func dialNetns(t *testing.T, addr string) *enginetest.Client {
	t.Helper()
	end := time.Now().Add(20 * time.Second)
	for {
		c, err := enginetest.Dial(addr)
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return c
		}
		if time.Now().After(end) {
			t.Fatalf("cannot reach %s: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitMesh writes at DC_QUORUM through c until a write lands in the
// datastores of racks 2 and 3 (every peer link up), for up to 20 s.
func waitMesh(t *testing.T, c *enginetest.Client, stores []string) {
	t.Helper()
	setConsistency(t, c, "DC_QUORUM")
	end := time.Now().Add(20 * time.Second)
	for k := 0; ; k++ {
		key := fmt.Sprint("ns:mesh:", k)
		r, err := c.Do("SET", key, "m")
		if err == nil && string(r.Raw) == "+OK\r\n" && holds(t, stores[1], key, "m", 2*time.Second) && holds(t, stores[2], key, "m", 2*time.Second) {
			return
		}
		if time.Now().After(end) {
			t.Fatal("the namespaced nodes did not form a cluster within 20 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// holds reports whether the datastore at addr holds val at key within d.
func holds(t *testing.T, addr, key, val string, d time.Duration) bool {
	t.Helper()
	rc := dialNetns(t, addr)
	end := time.Now().Add(d)
	for {
		r, err := rc.Do("GET", key)
		if err == nil && string(r.Str) == val {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// netnsConvergeBound is how long after the heal every datastore must hold
// the same data: TCP's retransmission back-off toward the healed rack, or
// the reconnect back-off, then the hint replay.
const netnsConvergeBound = 30 * time.Second

// TestNetnsCutConverges: 3 racks × 1 node, each node and its redis-server
// in a namespace of its own, hinted handoff on. Writes of every data type
// (strings, counters, hashes, lists, sets, sorted sets, keys with EX) go
// through rack 1 at DC_ONE while rack 3's link is cut for a few seconds
// (packets vanish) and healed. With no operator action and no restart,
// every datastore then holds the same data within netnsConvergeBound:
// same keys, same values, expiries within the comparison's tolerance,
// counters applied once. The copies held toward the cut rack arrive late
// after the heal; their keys are hinted and replayed over them.
func TestNetnsCutConverges(t *testing.T) {
	nt := netns.New(t, 3)
	hosts := nt.Hosts()
	extra := fmt.Sprintf("  hints_dir: %s\n  repair_rate: 20000\n", t.TempDir())
	startNetnsRacks(t, nt, 1000, extra)
	stores := make([]string, len(hosts))
	for i, h := range hosts {
		stores[i] = fmt.Sprintf("%s:6379", h.Addr)
	}
	proxy := fmt.Sprintf("%s:8102", hosts[0].Addr)
	waitMesh(t, dialNetns(t, proxy), stores)

	// Writers at DC_ONE through rack 1, each its own key family, in
	// chunks of 35 keys (5 of each type), paced so that the comparison
	// stays short.
	const writers, maxKeys, chunk = 2, 6000, 35
	var stop atomic.Bool
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	var written [writers]atomic.Int64
	for id := 0; id < writers; id++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dialNetns(t, proxy)
			c.Timeout = 5 * time.Second
			if r, err := c.Do("dyno_config:conn_consistency", "DC_ONE"); err != nil || string(r.Raw) != "+OK\r\n" {
				mu.Lock()
				failures = append(failures, fmt.Sprintf("writer %d: cannot set DC_ONE: %v", id, err))
				mu.Unlock()
				return
			}
			prefix := fmt.Sprint("nc", id)
			for n := 0; n < maxKeys && !stop.Load(); n += chunk {
				if err := writeEvery(c, prefix, n, n+chunk); err != nil {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("writer %d at key %d: %v", id, n, err))
					mu.Unlock()
					return
				}
				written[id].Store(int64(n + chunk))
				time.Sleep(40 * time.Millisecond)
			}
		}()
	}
	keys := func() int {
		n := 0
		for i := range written {
			n += int(written[i].Load())
		}
		return n
	}
	time.Sleep(1500 * time.Millisecond)
	atCut := keys()
	if err := hosts[2].Cut(); err != nil {
		stop.Store(true)
		wg.Wait()
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
	if err := hosts[2].Heal(); err != nil {
		stop.Store(true)
		wg.Wait()
		t.Fatal(err)
	}
	healed, atHeal := time.Now(), keys()
	time.Sleep(time.Second)
	stop.Store(true)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("writes failed: %s", strings.Join(failures, "; "))
	}
	total := keys()
	if atHeal-atCut < 500 || total == atHeal {
		t.Fatalf("%d keys written while rack 3 was cut off, %d after the heal; want at least 500, and some", atHeal-atCut, total-atHeal)
	}
	waitSame(t, stores[0], stores[2], netnsConvergeBound-time.Since(healed))
	t.Logf("rack 3 identical to rack 1 %v after the heal (%d keys written, %d of them during the 4 s cut)",
		time.Since(healed).Round(time.Millisecond), total, atHeal-atCut)
	waitSame(t, stores[0], stores[1], 5*time.Second)
	for id := range written {
		for _, s := range stores {
			counterValues(t, s, fmt.Sprint("nc", id), 0, int(written[id].Load()))
		}
	}
}
