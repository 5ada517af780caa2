package matrix

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
)

// sample is one run of one workload against one target.
type sample struct {
	Workload string  `json:"workload"`
	Target   string  `json:"target"`
	Rep      int     `json:"rep"`
	Load     load    `json:"load"`
	CPUPerOp float64 `json:"cpu_us_per_op"` // CPU µs of the measured processes per request
	// StoreCPUPerOp is the CPU µs of the target's redis-servers per request.
	StoreCPUPerOp float64 `json:"redis_cpu_us_per_op"`
	// CoordCPUPerOp is the CPU µs per request of the process the load
	// talks to; ReplicaCPUPerOp of each other node of a cluster, the mean
	// over them (0 without any); see cpukind.go.
	CoordCPUPerOp   float64 `json:"coordinator_cpu_us_per_op"`
	ReplicaCPUPerOp float64 `json:"replica_cpu_us_per_op"`
	Replicas        int     `json:"replicas,omitempty"` // nodes other than the coordinator
	PeakRSS         int64   `json:"peak_rss_bytes"`
	Err             string  `json:"error,omitempty"`
}

// row is the median line of one workload and target.
type row struct {
	Workload string  `json:"workload"`
	Target   string  `json:"target"`
	Runs     int     `json:"runs"`
	OpsSec   float64 `json:"ops_sec"`
	Ratio    float64 `json:"ratio_to_redis"` // median over reps of the same-rep ratio
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
	AddP50   float64 `json:"added_p50_ms"` // median over reps of target minus redis in the same rep
	AddP99   float64 `json:"added_p99_ms"`
	// BaseRatio is the median over reps of ops/s over the target's -baseline
	// twin in the same rep (NaN without one).
	BaseRatio float64 `json:"ratio_to_baseline"`
	// CRatio and TwemRatio are the same over the target's C Dynomite twin
	// (c-*) and twemproxy twin (twem-*).
	CRatio    float64 `json:"ratio_to_c_dynomite"`
	TwemRatio float64 `json:"ratio_to_twemproxy"`
	CPUPerOp  float64 `json:"cpu_us_per_op"`
	StoreCPU  float64 `json:"redis_cpu_us_per_op"`
	// CoordCPU and ReplicaCPU are the medians of the samples' CPU per
	// request of the coordinator and of each replica node.
	CoordCPU   float64 `json:"coordinator_cpu_us_per_op"`
	ReplicaCPU float64 `json:"replica_cpu_us_per_op"`
	PeakRSS    float64 `json:"peak_rss_mb"` // the largest over the reps
	Errors     string  `json:"errors,omitempty"`
	// ErrorReplies counts error replies over the runs that did complete
	// (they stay in the medians); FirstError is one of them.
	ErrorReplies int64  `json:"error_replies,omitempty"`
	FirstError   string `json:"first_error,omitempty"`
}

// MarshalJSON writes the medians without a value (NaN: no run, or no run to
// pair with) as null, which encoding/json would refuse.
func (r row) MarshalJSON() ([]byte, error) {
	type plain row
	return json.Marshal(struct {
		plain
		OpsSec     *float64 `json:"ops_sec"`
		Ratio      *float64 `json:"ratio_to_redis"`
		P50        *float64 `json:"p50_ms"`
		P99        *float64 `json:"p99_ms"`
		AddP50     *float64 `json:"added_p50_ms"`
		AddP99     *float64 `json:"added_p99_ms"`
		BaseRatio  *float64 `json:"ratio_to_baseline"`
		CRatio     *float64 `json:"ratio_to_c_dynomite"`
		TwemRatio  *float64 `json:"ratio_to_twemproxy"`
		CPUPerOp   *float64 `json:"cpu_us_per_op"`
		StoreCPU   *float64 `json:"redis_cpu_us_per_op"`
		CoordCPU   *float64 `json:"coordinator_cpu_us_per_op"`
		ReplicaCPU *float64 `json:"replica_cpu_us_per_op"`
	}{plain(r), finite(r.OpsSec), finite(r.Ratio), finite(r.P50), finite(r.P99), finite(r.AddP50), finite(r.AddP99),
		finite(r.BaseRatio), finite(r.CRatio), finite(r.TwemRatio), finite(r.CPUPerOp), finite(r.StoreCPU),
		finite(r.CoordCPU), finite(r.ReplicaCPU)})
}

// peerRatio returns the field of r holding the ratio to the twin of the
// given prefix (see peers).
func (r *row) peerRatio(prefix string) *float64 {
	switch prefix {
	case "base":
		return &r.BaseRatio
	case "c":
		return &r.CRatio
	case "twem":
		return &r.TwemRatio
	}
	panic("BUG: unknown peer prefix " + prefix)
}

// finite returns &v, or nil for NaN and infinities.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// median returns the median of xs (NaN for none); xs is reordered.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	sort.Float64s(xs)
	m := len(xs) / 2
	if len(xs)%2 == 1 {
		return xs[m]
	}
	return (xs[m-1] + xs[m]) / 2
}

// summarize reduces the samples to one row per workload and target, in the
// order given. Ratios and added latencies pair each run with the Redis direct
// run of the same workload and repetition, so slow phases of a shared machine
// affect both sides of a ratio.
func summarize(samples []sample, workloads, targets []string) []row {
	type key struct {
		w, t string
		rep  int
	}
	byKey := map[key]*sample{}
	for i := range samples {
		s := &samples[i]
		if s.Err == "" {
			byKey[key{s.Workload, s.Target, s.Rep}] = s
		}
	}
	var rows []row
	for _, w := range workloads {
		for _, t := range targets {
			r := row{Workload: w, Target: t}
			var ops, p50, p99, cpu, store, coord, replica, ratio, add50, add99 []float64
			twins := make([][]float64, len(peers))
			var errs []string
			for i := range samples {
				s := &samples[i]
				if s.Workload != w || s.Target != t {
					continue
				}
				if s.Err != "" {
					errs = append(errs, s.Err)
					continue
				}
				r.Runs++
				r.ErrorReplies += s.Load.Errors
				if r.FirstError == "" {
					r.FirstError = s.Load.FirstError
				}
				ops = append(ops, s.Load.OpsSec)
				p50 = append(p50, s.Load.P50)
				p99 = append(p99, s.Load.P99)
				cpu = append(cpu, s.CPUPerOp)
				store = append(store, s.StoreCPUPerOp)
				coord = append(coord, s.CoordCPUPerOp)
				if s.Replicas > 0 {
					replica = append(replica, s.ReplicaCPUPerOp)
				}
				r.PeakRSS = math.Max(r.PeakRSS, float64(s.PeakRSS)/(1<<20))
				if d := byKey[key{w, baselineOf(w), s.Rep}]; d != nil && d.Load.OpsSec > 0 {
					ratio = append(ratio, s.Load.OpsSec/d.Load.OpsSec)
					add50 = append(add50, s.Load.P50-d.Load.P50)
					add99 = append(add99, s.Load.P99-d.Load.P99)
				}
				for i, p := range peers {
					if b := byKey[key{w, peerName(t, p.prefix), s.Rep}]; b != nil && b.Load.OpsSec > 0 {
						twins[i] = append(twins[i], s.Load.OpsSec/b.Load.OpsSec)
					}
				}
			}
			r.OpsSec, r.P50, r.P99, r.CPUPerOp = median(ops), median(p50), median(p99), median(cpu)
			r.StoreCPU, r.CoordCPU, r.ReplicaCPU = median(store), median(coord), median(replica)
			r.Ratio, r.AddP50, r.AddP99 = median(ratio), median(add50), median(add99)
			for i, p := range peers {
				*r.peerRatio(p.prefix) = median(twins[i])
			}
			if len(errs) > 0 {
				r.Errors = fmt.Sprintf("%d failed: %s", len(errs), errs[0])
			}
			if r.Runs == 0 && len(errs) == 0 {
				continue // not run by design: a workload of the other protocol
			}
			rows = append(rows, r)
		}
	}
	return rows
}

func num(v float64, format string) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

// writeTable prints the rows as an aligned text table. For every kind of
// twin (peers) that some row has, a column after "ratio" gives every node's
// ratio to that twin ("vs base", "vs C", "vs twem").
func writeTable(w io.Writer, rows []row) {
	var cols []peer
	for _, p := range peers {
		for i := range rows {
			if v := *rows[i].peerRatio(p.prefix); !math.IsNaN(v) && v != 0 {
				cols = append(cols, p)
				break
			}
		}
	}
	head := []string{"workload", "target", "runs", "ops/s", "ratio", "p50 ms", "p99 ms", "+p50 ms", "+p99 ms",
		"cpu µs/op", "coord µs/op", "replica µs/op", "redis µs/op", "peak RSS MB"}
	for i, p := range cols {
		head = slices.Insert(head, 5+i, p.column)
	}
	cells := [][]string{head}
	for i := range rows {
		r := &rows[i]
		var c []string
		if r.Runs == 0 {
			c = []string{r.Workload, r.Target, "0", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"}
		} else {
			c = []string{r.Workload, r.Target, fmt.Sprint(r.Runs), num(r.OpsSec, "%.0f"), num(r.Ratio, "%.2f"),
				num(r.P50, "%.3f"), num(r.P99, "%.3f"), num(r.AddP50, "%+.3f"), num(r.AddP99, "%+.3f"),
				num(r.CPUPerOp, "%.2f"), num(r.CoordCPU, "%.2f"), num(r.ReplicaCPU, "%.2f"), num(r.StoreCPU, "%.2f"),
				num(r.PeakRSS, "%.1f")}
			if r.Target == baselineOf(r.Workload) {
				c[7], c[8] = "-", "-"
			}
		}
		for j, p := range cols {
			c = slices.Insert(c, 5+j, num(*r.peerRatio(p.prefix), "%.3f"))
		}
		cells = append(cells, c)
	}
	writeCells(w, cells, 2)
	for _, r := range rows {
		if r.Errors != "" {
			fmt.Fprintf(w, "%s/%s: %s\n", r.Workload, r.Target, r.Errors)
		}
		if r.ErrorReplies > 0 {
			fmt.Fprintf(w, "%s/%s: %d error replies (kept in the medians), e.g. %q\n", r.Workload, r.Target, r.ErrorReplies, r.FirstError)
		}
	}
}

// writeCells prints cells as columns, the first left columns aligned left
// and the others right, with a rule under the first line.
func writeCells(w io.Writer, cells [][]string, left int) {
	var width []int
	for _, c := range cells {
		for i, s := range c {
			if i == len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], len([]rune(s)))
		}
	}
	for n, c := range cells {
		var b strings.Builder
		for i, s := range c {
			pad := strings.Repeat(" ", width[i]-len([]rune(s)))
			if i < left {
				b.WriteString(s + pad + "  ")
			} else {
				b.WriteString(pad + s + "  ")
			}
		}
		line := strings.TrimRight(b.String(), " ")
		fmt.Fprintln(w, line)
		if n == 0 {
			fmt.Fprintln(w, strings.Repeat("-", len([]rune(line))))
		}
	}
}
