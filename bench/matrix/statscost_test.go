package matrix

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestStatsCostPairsReps(t *testing.T) {
	mk := func(w, target string, rep int, ops, cpu float64) sample {
		return sample{Workload: w, Target: target, Rep: rep, Load: load{OpsSec: ops}, CPUPerOp: cpu}
	}
	samples := []sample{
		mk("mix", "dyn-1", 1, 97, 10.3), mk("mix", noStatsTarget, 1, 100, 10),
		mk("mix", "dyn-1", 2, 50, 20), mk("mix", noStatsTarget, 2, 50, 20),
		mk("mix", "dyn-1", 3, 90, 11), mk("mix", noStatsTarget, 3, 100, 10),
		mk("pipe16", "dyn-1", 1, 100, 1), // no stats-off run in this rep
	}
	rows := statsCost(samples, []string{"mix", "pipe16"})
	if len(rows) != 2 {
		t.Fatalf("unexpected rows %+v", rows)
	}
	if r := rows[0]; r.Runs != 3 || math.Abs(r.OpsRatio-0.97) > 1e-9 || math.Abs(r.CPURatio-1.03) > 1e-9 {
		t.Errorf("unexpected mix row %+v; want 3 runs, ops ratio 0.97, cpu ratio 1.03", r)
	}
	if r := rows[1]; r.Runs != 0 || !math.IsNaN(r.OpsRatio) {
		t.Errorf("unexpected pipe16 row %+v; want no runs", r)
	}
	var out bytes.Buffer
	writeStatsCost(&out, rows)
	for _, want := range []string{"mix      ops/s ratio 0.970 (throughput cost +3.0%)", "pipe16   no pair of runs"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output without %q:\n%s", want, out.String())
		}
	}
}

func TestFindNoStatsGivenPath(t *testing.T) {
	if p, err := findNoStats("/x/dynomite-nostats", t.TempDir()); err != nil || p != "/x/dynomite-nostats" {
		t.Fatalf("unexpected %q, %v", p, err)
	}
}

func TestStatsCostFlags(t *testing.T) {
	var errOut bytes.Buffer
	o, err := parseFlags([]string{"-stats-cost", "-dynomite-nostats", "/x/d"}, &errOut)
	if err != nil || !o.statsCost || o.noStats != "/x/d" {
		t.Fatalf("unexpected options %+v, %v", o, err)
	}
}
