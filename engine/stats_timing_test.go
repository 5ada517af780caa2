package engine

// Cost of the request counters, two ways.
//
// BenchmarkStatsForward: the engine's own forward path (socketpair rig of
// rig_test.go, no poller, no datastore process), stats on and off side by
// side; the most precise figure, per request:
//
//	go test -run '^$' -bench StatsForward -benchmem -count 5 ./engine/
//
// BenchmarkStatsCost: the same redis-benchmark load through two in-process
// nodes in front of one redis-server, one with stats on (the default) and
// one with Options.noStats, alternating on, off, on, off...
//
//	go test -run '^$' -bench StatsCost -benchtime 1x ./engine/
//
// Reported per workload and per node: throughput (best of the rounds, the
// least disturbed by other processes on the machine) and the node's CPU
// time per request (this process's getrusage over the run; the load
// generator and redis-server are other processes), then the on/off ratios.

import (
	"context"
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/stats"
)

func BenchmarkStatsForward(b *testing.B) {
	for _, depth := range []int{1, 16} {
		for _, noStats := range []bool{false, true} {
			name := fmt.Sprintf("depth=%d/stats=on", depth)
			if noStats {
				name = fmt.Sprintf("depth=%d/stats=off", depth)
			}
			b.Run(name, func(b *testing.B) {
				_, round := forwardRigWith(b, depth, Options{Config: testConfig("127.0.0.1:1"), noStats: noStats})
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := processCPU()
				for i := 0; i < b.N; i++ {
					round()
				}
				cpu := processCPU() - cpu0
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*depth), "ns/request")
				// CPU time is less disturbed than wall time by other
				// processes on a shared machine.
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*depth), "cpu-ns/request")
			})
		}
	}
}

func BenchmarkStatsCost(b *testing.B) {
	if _, err := exec.LookPath("redis-benchmark"); err != nil {
		b.Fatalf("redis-benchmark is needed: %v", err)
	}
	r := enginetest.Redis(b)
	on := statsCostNode(b, r.Addr, false)
	off := statsCostNode(b, r.Addr, true)
	const rounds = 3
	for _, l := range benchLoads {
		b.Run(l.name, func(b *testing.B) {
			var best [2]map[string]float64
			var cpu [2]time.Duration
			for i := 0; i < 2*rounds; i++ {
				k := i % 2 // 0: stats on, 1: off
				n := []*Node{on, off}[k]
				before := sample(n)
				res := redisBenchmark(b, n.ClientAddr().String(), l)
				cpu[k] += sample(n).cpu - before.cpu
				if best[k] == nil {
					best[k] = map[string]float64{}
				}
				for test, ops := range res {
					best[k][test] = max(best[k][test], ops)
				}
			}
			reqs := float64(rounds * 2 * l.request)
			cpuOn := float64(cpu[0].Nanoseconds()) / reqs
			cpuOff := float64(cpu[1].Nanoseconds()) / reqs
			b.ReportMetric(cpuOn, "cpu-ns/req-on")
			b.ReportMetric(cpuOff, "cpu-ns/req-off")
			b.ReportMetric(cpuOn/cpuOff, "cpu-on/off")
			for test, ops := range best[0] {
				b.ReportMetric(ops/best[1][test], test+"-ops-on/off")
				b.Logf("%s %s: stats on %.0f ops/s, off %.0f ops/s (best of %d); cpu %.0f / %.0f ns/req",
					l.name, test, ops, best[1][test], rounds, cpuOn, cpuOff)
			}
		})
	}
}

// processCPU is this process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// statsCostNode starts a node in front of the datastore at addr, with the
// request counters on or off, and stops it in Cleanup.
func statsCostNode(tb testing.TB, addr string, noStats bool) *Node {
	tb.Helper()
	n, err := New(Options{Config: testConfig(addr), noStats: noStats})
	if err != nil {
		tb.Fatalf("cannot create node: %v", err)
	}
	if err := n.Start(); err != nil {
		tb.Fatalf("cannot start node: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.Shutdown(ctx)
	})
	return n
}

// TestStatsOffCountsNothing checks the switch the benchmark relies on, and
// that a node with stats on counts what it forwards.
func TestStatsOffCountsNothing(t *testing.T) {
	r := enginetest.Redis(t)
	for _, noStats := range []bool{false, true} {
		t.Run(fmt.Sprintf("noStats=%v", noStats), func(t *testing.T) {
			n := statsCostNode(t, r.Addr, noStats)
			c := dial(t, n)
			for i := 0; i < 10; i++ {
				expect(t, c, "$-1\r\n", "GET", "stats:none")
			}
			want := int64(10)
			if noStats {
				want = 0
			}
			reg := n.Stats()
			deadline := time.Now().Add(5 * time.Second)
			for reg.Value(stats.ReadRequests) != want && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if got := reg.Value(stats.ReadRequests); got != want {
				t.Fatalf("unexpected read_requests; got %d; want %d", got, want)
			}
		})
	}
}
