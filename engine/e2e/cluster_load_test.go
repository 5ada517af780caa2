package e2e

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// loadResult is what one traffic client of TestClusterPeerKilledUnderLoad saw.
type loadResult struct {
	id       int
	rounds   int
	slowest  time.Duration
	problems []string
}

// quorumLoad runs SET/GET rounds on one connection until stop is closed
// (at most rounds rounds) and requires every reply to be exactly right and
// to come within bound.
func quorumLoad(id int, addr, level string, bound time.Duration, stop <-chan struct{}) loadResult {
	res := loadResult{id: id}
	c, err := enginetest.Dial(addr)
	if err != nil {
		res.problems = append(res.problems, err.Error())
		return res
	}
	defer c.Close()
	c.Timeout = 2 * bound
	if level != "" {
		r, err := c.Do("dyno_config:conn_consistency", level)
		if err != nil || string(r.Raw) != "+OK\r\n" {
			res.problems = append(res.problems, fmt.Sprintf("conn_consistency %s: %v %v", level, r, err))
			return res
		}
	}
	key := fmt.Sprint("load:", id)
	for n := 0; n < 100000; n++ {
		select {
		case <-stop:
			return res
		default:
		}
		val := fmt.Sprint(n)
		for _, cmd := range [][]string{{"SET", key, val}, {"GET", key}} {
			want := "+OK\r\n"
			if cmd[0] == "GET" {
				want = bulk(val)
			}
			start := time.Now()
			r, err := c.Do(cmd...)
			d := time.Since(start)
			res.slowest = max(res.slowest, d)
			switch {
			case err != nil:
				res.problems = append(res.problems, fmt.Sprintf("round %d %s: %v after %v", n, cmd[0], err, d.Round(time.Millisecond)))
				return res
			case string(r.Raw) != want:
				res.problems = append(res.problems, fmt.Sprintf("round %d %s: got %q; want %q", n, cmd[0], r.Raw, want))
			case d > bound:
				res.problems = append(res.problems, fmt.Sprintf("round %d %s: reply after %v; want within %v", n, cmd[0], d.Round(time.Millisecond), bound))
			}
		}
		res.rounds++
		time.Sleep(2 * time.Millisecond)
	}
	return res
}

// TestClusterPeerKilledUnderLoad: 3 racks × 1 node; clients on nodes 0
// and 1 at DC_ONE and DC_QUORUM write and read their own keys while node 2
// is killed and restarted. Two racks remain throughout, so every reply must
// be exactly right (DC_ONE swallows the cross-rack failure; the quorum levels
// use the survivors), and within timeout + margin.
func TestClusterPeerKilledUnderLoad(t *testing.T) {
	cl := startCluster(t, threeRacks(), enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	bound := 2*peerTimeout + slack
	stop := make(chan struct{})
	results := make(chan loadResult, 8)
	var wg sync.WaitGroup
	for id := 0; id < 8; id++ {
		level := []string{"", "DC_QUORUM", "DC_SAFE_QUORUM", ""}[id%4]
		addr := cl.nodes[id%2].Node.Addr
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- quorumLoad(id, addr, level, bound, stop)
		}()
	}
	time.Sleep(time.Second)
	cl.nodes[2].Node.Kill()
	killed := time.Now()
	time.Sleep(2 * time.Second)
	if err := cl.nodes[2].Node.Restart(); err != nil {
		close(stop)
		wg.Wait()
		t.Fatalf("restart %s: %v", cl.nodes[2], err)
	}
	// Node 2 is back; let the others reconnect to it under traffic.
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()
	close(results)
	total := 0
	for r := range results {
		total += r.rounds
		if r.rounds == 0 {
			t.Errorf("client %d: no round completed", r.id)
		}
		for i, p := range r.problems {
			if i == 5 {
				t.Errorf("client %d: ... %d problems in all", r.id, len(r.problems))
				break
			}
			t.Errorf("client %d: %s", r.id, p)
		}
		t.Logf("client %d: %d rounds, slowest reply %v", r.id, r.rounds, r.slowest.Round(time.Millisecond))
	}
	t.Logf("%d rounds in %v (node 2 killed for 2 s)", total, time.Since(killed).Round(time.Millisecond))
}
