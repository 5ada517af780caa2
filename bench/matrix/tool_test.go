package matrix

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// fakeMemtier writes a script that records its arguments and writes a
// memtier-shaped JSON file where --json-out-file says.
func fakeMemtier(t *testing.T, dir string) string {
	t.Helper()
	script := `#!/bin/sh
echo "$@" > "` + dir + `/args"
for a in "$@"; do
  case "$a" in --json-out-file=*) out="${a#--json-out-file=}";; esac
done
cat > "$out" <<'JSON'
{"ALL STATS": {"Totals": {"Count": 5000, "Ops/sec": 2500.5, "Hits/sec": 1, "Misses/sec": 2, "Latency": 0.3,
  "Percentile Latencies": {"p50.00": 0.25, "p99.00": 0.75, "p99.90": 1.5}},
  "Runtime": {"Total duration": 2000, "Time unit": "MILLISECONDS"}}}
JSON
`
	path := filepath.Join(dir, "memtier_benchmark")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatalf("cannot write the fake memtier: %v", err)
	}
	return path
}

func TestMemtierTool(t *testing.T) {
	dir := t.TempDir()
	tl, err := pickTool(options{memtier: fakeMemtier(t, dir)}, dir)
	if err != nil {
		t.Fatalf("cannot pick memtier: %v", err)
	}
	l, err := tl.run(context.Background(), Workloads[1].Config(7777, 2*time.Second, 1000))
	if err != nil {
		t.Fatalf("cannot run: %v", err)
	}
	if l.OpsSec != 2500.5 || l.P50 != 0.25 || l.P99 != 0.75 || l.Requests != 5000 {
		t.Fatalf("unexpected load; got %+v", l)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	for _, want := range []string{"--port=7777", "--threads=2", "--clients=25", "--pipeline=16", "--test-time=2",
		"--ratio=1:10", "--data-size=32", "--key-maximum=1000", "--hide-histogram", "--json-out-file="} {
		if !strings.Contains(string(args), want) {
			t.Errorf("unexpected memtier arguments without %s: %s", want, args)
		}
	}
}

func TestRedisBenchmarkTool(t *testing.T) {
	rs := enginetest.Redis(t)
	tl, err := pickTool(options{tool: "redis-benchmark"}, "")
	if err != nil {
		t.Fatalf("cannot pick redis-benchmark: %v", err)
	}
	// One connection for 1 s: 5000 requests, 1:1.
	w := Workload{Name: "t", Threads: 1, Clients: 1, Pipeline: 1, Ratio: Workloads[2].Ratio, DataSize: 32}
	l, err := tl.run(context.Background(), w.Config(rs.Port, time.Second, 1000))
	if err != nil {
		t.Fatalf("cannot run: %v", err)
	}
	if l.Requests != 5000 || l.OpsSec <= 0 || l.P50 <= 0 || l.P99 < l.P50 {
		t.Fatalf("unexpected load; got %+v", l)
	}
}
