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

// TestNetnsRackCutOff: 3 racks × 1 node, each node and its redis-server in
// a network namespace of its own. Under load through rack1's node, rack3's
// link is cut (no FIN, no RST: packets vanish): DC_ONE reads and writes
// keep succeeding, DC_QUORUM reads and writes keep succeeding with 2 of 3
// racks, and no request waits past `timeout` (plus scheduling slack).
// Healed, rack3 gets writes again without any restart.
func TestNetnsRackCutOff(t *testing.T) {
	nt := netns.New(t, 3)
	bin := enginetest.BuildDynomite(t)
	const timeoutMs = 1000
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
`, h.Addr, i+1, strings.Join(seeds, "\n"), timeoutMs)
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
	addr := func(i int, port int) string { return fmt.Sprintf("%s:%d", hosts[i].Addr, port) }
	dialUntil := func(a string) *enginetest.Client {
		end := time.Now().Add(20 * time.Second)
		for {
			c, err := enginetest.Dial(a)
			if err == nil {
				t.Cleanup(func() { c.Close() })
				return c
			}
			if time.Now().After(end) {
				t.Fatalf("cannot reach %s: %v", a, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	stored := func(i int, key, val string, d time.Duration) bool {
		rc := dialUntil(addr(i, 6379))
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
	q := dialUntil(addr(0, 8102))
	q.Timeout = 5 * time.Second
	setConsistency(t, q, "DC_QUORUM")
	end := time.Now().Add(20 * time.Second)
	for k := 0; ; k++ { // the mesh: a quorum write in every rack
		key := fmt.Sprint("ns:mesh:", k)
		r, err := q.Do("SET", key, "m")
		if err == nil && string(r.Raw) == "+OK\r\n" && stored(1, key, "m", 2*time.Second) && stored(2, key, "m", 2*time.Second) {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the 3 namespaced nodes did not form a cluster within 20 s")
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Load: DC_ONE and DC_QUORUM clients on rack1's node.
	bound := time.Duration(timeoutMs)*time.Millisecond + slack
	var stop atomic.Bool
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	var served atomic.Int64
	load := func(level string, id int) {
		defer wg.Done()
		c := dialUntil(addr(0, 8102))
		c.Timeout = 5 * time.Second
		if r, err := c.Do("dyno_config:conn_consistency", level); err != nil || string(r.Raw) != "+OK\r\n" {
			mu.Lock()
			failures = append(failures, fmt.Sprintf("%s: set consistency: %v", level, err))
			mu.Unlock()
			return
		}
		for k := 0; k < 100000 && !stop.Load(); k++ {
			key := fmt.Sprintf("ns:%s:%d:%d", level, id, k)
			for _, args := range [][]string{{"SET", key, "v"}, {"GET", key}} {
				start := time.Now()
				r, err := c.Do(args...)
				d := time.Since(start)
				want := "+OK\r\n"
				if args[0] == "GET" {
					want = bulk("v")
				}
				if err != nil || string(r.Raw) != want || d > bound {
					raw := ""
					if r != nil {
						raw = string(r.Raw)
					}
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%s %v: %q %v after %v", level, args, raw, err, d))
					mu.Unlock()
					return
				}
				served.Add(1)
			}
		}
	}
	for id, level := range []string{"DC_ONE", "DC_QUORUM", "DC_ONE", "DC_QUORUM"} {
		wg.Add(1)
		go load(level, id)
	}
	time.Sleep(500 * time.Millisecond)
	if err := hosts[2].Cut(); err != nil {
		stop.Store(true)
		wg.Wait()
		t.Fatal(err)
	}
	before := served.Load()
	time.Sleep(4 * time.Second)
	during := served.Load() - before
	stop.Store(true)
	wg.Wait()
	if err := hosts[2].Heal(); err != nil {
		t.Fatal(err)
	}
	if len(failures) > 0 {
		t.Fatalf("requests failed or waited past timeout with rack3 cut off: %s", strings.Join(failures, "; "))
	}
	if during < 100 {
		t.Fatalf("only %d requests served in the 4 s rack3 was cut off", during)
	}
	t.Logf("%d requests served while rack3 was cut off", during)

	healed := time.Now()
	for k := 0; ; k++ {
		key := fmt.Sprint("ns:back:", k)
		r, err := q.Do("SET", key, "b")
		if err == nil && string(r.Raw) == "+OK\r\n" && stored(2, key, "b", time.Second) {
			break
		}
		if time.Since(healed) > 20*time.Second {
			t.Fatal("rack3 not written to 20 s after its link came back")
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("rack3 used again %v after the heal", time.Since(healed).Round(time.Millisecond))
}
