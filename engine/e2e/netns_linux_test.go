//go:build linux

package e2e

import (
	"fmt"
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
	const timeoutMs = 1000
	hosts := nt.Hosts()
	startNetnsRacks(t, nt, timeoutMs, "")
	addr := func(i int, port int) string { return fmt.Sprintf("%s:%d", hosts[i].Addr, port) }
	dialUntil := func(a string) *enginetest.Client { return dialNetns(t, a) }
	stored := func(i int, key, val string, d time.Duration) bool { return holds(t, addr(i, 6379), key, val, d) }
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
