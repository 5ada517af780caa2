package bench

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Percentile is one latency percentile in milliseconds.
type Percentile struct {
	P  float64 // 0..100
	Ms float64
}

// OpResult is one row of memtier's totals table (Sets, Gets, Waits, Totals).
// Latencies are in milliseconds.
type OpResult struct {
	Count       int64
	Errors      int64
	OpsSec      float64
	HitsSec     float64
	MissesSec   float64
	AvgLatency  float64
	MinLatency  float64
	MaxLatency  float64
	KBSec       float64
	Percentiles []Percentile
	hist        *hdrhistogram.Histogram // nil for results read from JSON
}

// Percentile returns the latency at p (ms), or NaN when p was not computed.
func (o *OpResult) Percentile(p float64) float64 {
	for _, q := range o.Percentiles {
		if q.P == p {
			return q.Ms
		}
	}
	if o.hist != nil && o.hist.TotalCount() > 0 {
		return float64(o.hist.ValueAtPercentile(p)) / 1000
	}
	return math.NaN()
}

// Result is the outcome of one Run.
type Result struct {
	Config   Config
	Start    time.Time
	End      time.Time
	Sets     OpResult
	Gets     OpResult
	Waits    OpResult // always empty: WAIT is not generated
	Totals   OpResult
	Duration time.Duration
	// FirstError is the text of the first error reply a client got, if any.
	FirstError string
}

func newResult(cfg *Config, clients []*client, start, end time.Time) *Result {
	set, get, all := newOpStats(), newOpStats(), newOpStats()
	for _, c := range clients {
		set.merge(&c.set)
		get.merge(&c.get)
	}
	all.merge(&set)
	all.merge(&get)
	secs := end.Sub(start).Seconds()
	firstErr := ""
	for _, c := range clients {
		if firstErr == "" {
			firstErr = c.firstErr
		}
	}
	return &Result{
		FirstError: firstErr,
		Config:     *cfg,
		Start:      start,
		End:        end,
		Duration:   end.Sub(start),
		Sets:       summarize(&set, secs, cfg.Percentiles, false),
		Gets:       summarize(&get, secs, cfg.Percentiles, true),
		Totals:     summarize(&all, secs, cfg.Percentiles, true),
	}
}

// summarize turns merged counters into a table row. Hits and misses are only
// meaningful for rows that contain gets.
func summarize(s *opStats, secs float64, ps []float64, hits bool) OpResult {
	o := OpResult{
		Count:      s.ops,
		Errors:     s.errors,
		OpsSec:     rate(s.ops, secs),
		AvgLatency: avgMs(s.latSum, s.ops),
		KBSec:      rate(s.bytes, secs) / 1024,
		hist:       s.hist,
	}
	if hits {
		o.HitsSec, o.MissesSec = rate(s.hits, secs), rate(s.misses, secs)
	}
	if s.ops > 0 {
		o.MinLatency = float64(s.hist.Min()) / 1000
		o.MaxLatency = float64(s.hist.Max()) / 1000
	}
	for _, p := range ps {
		v := 0.0
		if s.ops > 0 {
			v = float64(s.hist.ValueAtPercentile(p)) / 1000
		}
		o.Percentiles = append(o.Percentiles, Percentile{P: p, Ms: v})
	}
	return o
}

// percentileLabel is the table heading of a percentile: "p50", "p99.9".
func percentileLabel(p float64) string {
	return "p" + strconv.FormatFloat(p, 'f', -1, 64)
}

// WriteTable prints memtier's "ALL STATS" table and, unless the histogram is
// hidden, the latency distribution of sets and gets.
func (r *Result) WriteTable(w io.Writer) {
	cols := []string{"Type", "Ops/sec", "Hits/sec", "Misses/sec", "Avg. Latency"}
	for _, p := range r.Config.Percentiles {
		cols = append(cols, percentileLabel(p)+" Latency")
	}
	cols = append(cols, "KB/sec")
	var b strings.Builder
	fmt.Fprintf(&b, "%-6s", cols[0])
	for i, c := range cols[1:] {
		fmt.Fprintf(&b, " %*s", colWidth(i, len(cols)-1), c)
	}
	header := b.String()
	rule := strings.Repeat("=", len(header))
	fmt.Fprintf(w, "\nALL STATS\n%s\n%s\n%s\n", rule, header, strings.Repeat("-", len(header)))
	r.row(w, "Sets", &r.Sets, false, true)
	r.row(w, "Gets", &r.Gets, true, true)
	r.row(w, "Waits", &r.Waits, false, false)
	r.row(w, "Totals", &r.Totals, true, true)
	if errs := r.Totals.Errors; errs > 0 {
		fmt.Fprintf(w, "\n%d error replies (%d on sets, %d on gets); the first: %q\n", errs, r.Sets.Errors, r.Gets.Errors, r.FirstError)
	}
	if !r.Config.HideHistogram {
		r.writeDistribution(w)
	}
}

// colWidth: the rate columns are 12 wide, the latency columns 15, as in memtier.
func colWidth(i, n int) int {
	if i < 3 || i == n-1 {
		return 12
	}
	return 15
}

func (r *Result) row(w io.Writer, name string, o *OpResult, hits, data bool) {
	fmt.Fprintf(w, "%-6s %12.2f", name, o.OpsSec)
	if hits {
		fmt.Fprintf(w, " %12.2f %12.2f", o.HitsSec, o.MissesSec)
	} else {
		fmt.Fprintf(w, " %12s %12s", "---", "---")
	}
	if !data {
		for range len(r.Config.Percentiles) + 1 { // average and percentiles
			fmt.Fprintf(w, " %15s", "---")
		}
		fmt.Fprintf(w, " %12s\n", "---")
		return
	}
	fmt.Fprintf(w, " %15.5f", o.AvgLatency)
	for _, p := range o.Percentiles {
		fmt.Fprintf(w, " %15.5f", p.Ms)
	}
	fmt.Fprintf(w, " %12.2f\n", o.KBSec)
}

// distributionPoints are the cumulative percentages printed per request type.
var distributionPoints = []float64{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 99.99, 100}

func (r *Result) writeDistribution(w io.Writer) {
	fmt.Fprintf(w, "\n\nRequest Latency Distribution\n%-6s %12s %12s\n", "Type", "<= msec", "Percent")
	fmt.Fprintln(w, strings.Repeat("-", 32))
	for _, t := range []struct {
		name string
		o    *OpResult
	}{{"SET", &r.Sets}, {"GET", &r.Gets}} {
		if t.o.hist == nil || t.o.Count == 0 {
			continue
		}
		for _, p := range distributionPoints {
			fmt.Fprintf(w, "%-6s %12.3f %12.3f\n", t.name, float64(t.o.hist.ValueAtPercentile(p))/1000, p)
		}
		fmt.Fprintln(w, "---")
	}
}
