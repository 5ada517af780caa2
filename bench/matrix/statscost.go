package matrix

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The stats cost (-stats-cost): dyn-1 against dyn-1-nostats, the same node
// built with the nostats tag (request counters off), run back to back in
// every rep. Each rep's ratio pairs the two runs of that rep; the row is the
// median over reps.

// noStatsTarget is the name of the stats-off target.
const noStatsTarget = "dyn-1-nostats"

// costRow is the stats cost of one workload.
type costRow struct {
	Workload string `json:"workload"`
	Runs     int    `json:"runs"` // reps with both runs
	// OpsRatio is the median of ops/s(dyn-1) / ops/s(dyn-1-nostats): 0.97
	// means the stats cost 3% of throughput.
	OpsRatio float64 `json:"ops_ratio"`
	// CPURatio is the median of the nodes' CPU per request, dyn-1 over
	// dyn-1-nostats: 1.03 means 3% more CPU per request with stats on.
	CPURatio float64 `json:"cpu_ratio"`
}

// MarshalJSON writes the ratios without a value (no pair of runs) as null.
func (r costRow) MarshalJSON() ([]byte, error) {
	type plain costRow
	return json.Marshal(struct {
		plain
		OpsRatio *float64 `json:"ops_ratio"`
		CPURatio *float64 `json:"cpu_ratio"`
	}{plain(r), finite(r.OpsRatio), finite(r.CPURatio)})
}

// statsCost pairs dyn-1 and dyn-1-nostats rep by rep.
func statsCost(samples []sample, workloads []string) []costRow {
	type key struct {
		w, t string
		rep  int
	}
	by := map[key]*sample{}
	for i := range samples {
		if s := &samples[i]; s.Err == "" {
			by[key{s.Workload, s.Target, s.Rep}] = s
		}
	}
	var rows []costRow
	for _, w := range workloads {
		r := costRow{Workload: w}
		var ops, cpu []float64
		for i := range samples {
			s := &samples[i]
			if s.Workload != w || s.Target != "dyn-1" || s.Err != "" {
				continue
			}
			off := by[key{w, noStatsTarget, s.Rep}]
			if off == nil || off.Load.OpsSec <= 0 {
				continue
			}
			r.Runs++
			ops = append(ops, s.Load.OpsSec/off.Load.OpsSec)
			if off.CPUPerOp > 0 {
				cpu = append(cpu, s.CPUPerOp/off.CPUPerOp)
			}
		}
		r.OpsRatio, r.CPURatio = median(ops), median(cpu)
		rows = append(rows, r)
	}
	return rows
}

// writeStatsCost prints the stats-cost lines.
func writeStatsCost(w io.Writer, rows []costRow) {
	fmt.Fprintln(w, "\nstats cost: dyn-1 (stats on) / dyn-1-nostats (built with -tags nostats), same rep, median over reps")
	for _, r := range rows {
		if r.Runs == 0 {
			fmt.Fprintf(w, "  %-8s no pair of runs\n", r.Workload)
			continue
		}
		fmt.Fprintf(w, "  %-8s ops/s ratio %s (throughput cost %s)  cpu/op ratio %s  (%d reps)\n", r.Workload,
			num(r.OpsRatio, "%.3f"), num((1-r.OpsRatio)*100, "%+.1f%%"), num(r.CPURatio, "%.3f"), r.Runs)
	}
}

// findNoStats returns the stats-off dynomite binary: the given path, else
// "dynomite-nostats" next to this executable (bin/ when `make bench` built
// it), else a build of ./cmd/dynomite with -tags nostats into dir.
func findNoStats(path, dir string) (string, error) {
	if path != "" {
		return path, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "dynomite-nostats")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("cannot find go to build dynomite-nostats: %w", err)
	}
	out, err := exec.Command(goBin, "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("cannot find the module root to build dynomite-nostats (go env GOMOD: %q, %v)", gomod, err)
	}
	bin := filepath.Join(dir, "dynomite-nostats")
	cmd := exec.Command(goBin, "build", "-buildvcs=false", "-tags", "nostats", "-o", bin, "./cmd/dynomite")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build -tags nostats ./cmd/dynomite: %v\n%s", err, out)
	}
	return bin, nil
}
