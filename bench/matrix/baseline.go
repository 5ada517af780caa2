package matrix

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
)

// The baseline (-baseline PATH): another dynomite binary, typically a build
// of main, started exactly like the node under test as the twin of every node
// target (dyn-1 -> base-1, dyn-3-one -> base-3-one, ...): the same
// configuration, racks and consistency, its own datastores, started and
// stopped the same way. A node and its twin run back to back in every rep
// (runOrder), and each rep's ratio pairs the two runs of that rep; the
// comparison is the median over reps.

// baseTolerance is how much slower than its baseline a node may be on a
// workload: the median ratio must be at least 1 - baseTolerance.
const baseTolerance = 0.05

// baselineName returns the name of the -baseline twin of a node target
// ("dyn-1" -> "base-1"), or "" for a target that is not a node.
func baselineName(node string) string { return peerName(node, "base") }

// runOrder returns the order in which the targets run in repetition rep
// (from 1). Targets run in units: a node target and its twins (the -baseline
// build, the stats-off build) form one unit, which runs back to back so that
// the runs a ratio pairs are seconds apart; every other target is a unit of
// its own. Rep r rotates the units by r-1 and the members of every unit by
// r-1, so that over the reps no unit, and no member of a unit, always runs
// first.
func runOrder(targets []*target, rep int) []*target {
	var units [][]*target
	at := map[string]int{}
	for _, t := range targets {
		key := t.name
		if t.twin != "" {
			key = t.twin
		}
		i, ok := at[key]
		if !ok {
			i = len(units)
			at[key] = i
			units = append(units, nil)
		}
		units[i] = append(units[i], t)
	}
	out := make([]*target, 0, len(targets))
	shift := max(rep-1, 0)
	for i := range units {
		u := units[(i+shift)%len(units)]
		for j := range u {
			out = append(out, u[(j+shift)%len(u)])
		}
	}
	return out
}

// baseRow compares one node target with its -baseline twin on one workload.
type baseRow struct {
	Workload string `json:"workload"`
	Target   string `json:"target"`
	Baseline string `json:"baseline"`
	Runs     int    `json:"runs"` // reps with a run of both
	// OpsRatio is the median over reps of ops/s(node) / ops/s(baseline) in
	// the same rep: 0.97 means the node is 3% slower.
	OpsRatio float64 `json:"ops_ratio"`
	// MinRatio and MaxRatio bound the same-rep ratios: their spread is the
	// noise the median is taken over.
	MinRatio float64 `json:"min_ops_ratio"`
	MaxRatio float64 `json:"max_ops_ratio"`
	// P50Ratio is the median over reps of p50(node) / p50(baseline).
	P50Ratio float64 `json:"p50_ratio"`
	// CPURatio is the median over reps of the CPU per request of the node's
	// processes over the baseline's.
	CPURatio float64 `json:"cpu_ratio"`
	// Within is OpsRatio >= 1 - baseTolerance.
	Within bool `json:"within_tolerance"`
}

// MarshalJSON writes the ratios without a value (no pair of runs) as null.
func (r baseRow) MarshalJSON() ([]byte, error) {
	type plain baseRow
	return json.Marshal(struct {
		plain
		OpsRatio *float64 `json:"ops_ratio"`
		MinRatio *float64 `json:"min_ops_ratio"`
		MaxRatio *float64 `json:"max_ops_ratio"`
		P50Ratio *float64 `json:"p50_ratio"`
		CPURatio *float64 `json:"cpu_ratio"`
	}{plain(r), finite(r.OpsRatio), finite(r.MinRatio), finite(r.MaxRatio), finite(r.P50Ratio), finite(r.CPURatio)})
}

// compareBaseline pairs every node target among targets with its -baseline
// twin, rep by rep, for every workload, in the order given. A node whose
// twin is not among targets has no row; a workload neither ran has none.
func compareBaseline(samples []sample, workloads, targets []string) []baseRow {
	type key struct {
		w, t string
		rep  int
	}
	by := map[key]*sample{}
	ran := map[[2]string]bool{}
	for i := range samples {
		s := &samples[i]
		ran[[2]string{s.Workload, s.Target}] = true
		if s.Err == "" {
			by[key{s.Workload, s.Target, s.Rep}] = s
		}
	}
	has := map[string]bool{}
	for _, t := range targets {
		has[t] = true
	}
	var rows []baseRow
	for _, w := range workloads {
		for _, t := range targets {
			b := baselineName(t)
			if b == "" || !has[b] || !ran[[2]string{w, t}] && !ran[[2]string{w, b}] {
				continue
			}
			r := baseRow{Workload: w, Target: t, Baseline: b}
			var ops, p50, cpu []float64
			for i := range samples {
				s := &samples[i]
				if s.Workload != w || s.Target != t || s.Err != "" {
					continue
				}
				o := by[key{w, b, s.Rep}]
				if o == nil || o.Load.OpsSec <= 0 {
					continue
				}
				r.Runs++
				ops = append(ops, s.Load.OpsSec/o.Load.OpsSec)
				if o.Load.P50 > 0 {
					p50 = append(p50, s.Load.P50/o.Load.P50)
				}
				if o.CPUPerOp > 0 {
					cpu = append(cpu, s.CPUPerOp/o.CPUPerOp)
				}
			}
			r.MinRatio, r.MaxRatio = math.NaN(), math.NaN()
			if len(ops) > 0 {
				r.MinRatio, r.MaxRatio = slices.Min(ops), slices.Max(ops)
			}
			r.OpsRatio, r.P50Ratio, r.CPURatio = median(ops), median(p50), median(cpu)
			r.Within = r.OpsRatio >= 1-baseTolerance
			rows = append(rows, r)
		}
	}
	return rows
}

// writeBaseline prints the comparison with the -baseline build.
func writeBaseline(w io.Writer, path string, reps int, rows []baseRow) {
	fmt.Fprintf(w, "\nbaseline: every node against its twin running %s, same rep, medians over reps\n", path)
	cells := [][]string{{"workload", "node", "baseline", "reps", "ops/s ratio", "min-max", "p50 ratio", "cpu/op ratio", "within 5%"}}
	slower, noisy := 0, 0
	for _, r := range rows {
		verdict := "yes"
		switch {
		case r.Runs == 0:
			verdict = "no pair"
		case !r.Within:
			verdict = "NO"
			slower++
		}
		if r.MaxRatio-r.MinRatio > 2*baseTolerance {
			noisy++
		}
		cells = append(cells, []string{r.Workload, r.Target, r.Baseline, fmt.Sprint(r.Runs), num(r.OpsRatio, "%.3f"),
			num(r.MinRatio, "%.2f") + "-" + num(r.MaxRatio, "%.2f"), num(r.P50Ratio, "%.3f"), num(r.CPURatio, "%.3f"), verdict})
	}
	writeCells(w, cells, 3)
	fmt.Fprintf(w, "ratios are node / baseline: ops/s above 1, p50 and cpu/op below 1 favour the node; within 5%% = ops/s ratio >= %.2f\n", 1-baseTolerance)
	if slower > 0 {
		fmt.Fprintf(w, "%d of %d rows more than 5%% slower than the baseline\n", slower, len(rows))
	}
	if reps < 5 {
		fmt.Fprintln(w, "note:     fewer than 5 reps: too few for a 5% verdict")
	}
	if noisy > 0 {
		fmt.Fprintf(w, "note:     same-rep ratios spread over more than %.0f%% (min-max) on %d of %d rows: the machine is noisy, ask for more reps\n",
			200*baseTolerance, noisy, len(rows))
	}
}
