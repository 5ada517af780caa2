package matrix

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	f := func(xs []float64, want float64) {
		t.Helper()
		got := median(xs)
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("unexpected median of %v; got %v; want %v", xs, got, want)
		}
	}
	f(nil, math.NaN())
	f([]float64{3}, 3)
	f([]float64{3, 1, 2}, 2)
	f([]float64{4, 1, 3, 2}, 2.5)
}

func TestSummarizePairsReps(t *testing.T) {
	mk := func(target string, rep int, ops, p50, p99 float64) sample {
		return sample{Workload: "mix", Target: target, Rep: rep, Load: load{OpsSec: ops, P50: p50, P99: p99, Requests: 100},
			CPUPerOp: ops / 1000, PeakRSS: int64(rep) << 20}
	}
	samples := []sample{
		mk("redis", 1, 100, 1, 2), mk("dyn-1", 1, 50, 2, 5),
		mk("redis", 2, 200, 1, 2), mk("dyn-1", 2, 150, 1.5, 3), // a fast rep: ratio 0.75
		mk("redis", 3, 100, 1, 2), mk("dyn-1", 3, 60, 3, 4),
		{Workload: "mix", Target: "dyn-1", Rep: 5, Load: load{OpsSec: 1e9, Errors: 1}, Err: "ignored"},
		{Workload: "mix", Target: "dyn-1", Rep: 4, Err: "boom"},
	}
	samples[5].Load.Errors, samples[5].Load.FirstError = 2, "-ERR busy"
	rows := summarize(samples, []string{"mix"}, []string{"redis", "dyn-1"})
	if len(rows) != 2 {
		t.Fatalf("unexpected rows; got %d; want 2", len(rows))
	}
	d, p := rows[0], rows[1]
	if d.Ratio != 1 || d.OpsSec != 100 || d.AddP50 != 0 {
		t.Errorf("unexpected redis row; got %+v", d)
	}
	// Ratios per rep: 0.5, 0.75, 0.6 -> median 0.6; not median(ops)/median(ops) = 60/100.
	if p.Runs != 3 || p.OpsSec != 60 || math.Abs(p.Ratio-0.6) > 1e-12 {
		t.Errorf("unexpected proxy throughput; got %+v", p)
	}
	// Added p50 per rep: 1, 0.5, 2 -> 1; added p99: 3, 1, 2 -> 2.
	if p.AddP50 != 1 || p.AddP99 != 2 || p.P50 != 2 || p.P99 != 4 {
		t.Errorf("unexpected proxy latencies; got %+v", p)
	}
	if p.PeakRSS != 3 || !strings.Contains(p.Errors, "2 failed: ignored") || p.ErrorReplies != 2 || p.FirstError != "-ERR busy" {
		t.Errorf("unexpected RSS or errors; got %+v", p)
	}
	var b bytes.Buffer
	writeTable(&b, rows)
	out := b.String()
	for _, want := range []string{"workload", "ratio", "+p99 ms", "cpu µs/op", "mix       dyn-1", "0.60", "+1.000", "mix/dyn-1: 2 failed: ignored", "2 error replies (kept in the medians)"} {
		if !strings.Contains(out, want) {
			t.Errorf("unexpected table without %q:\n%s", want, out)
		}
	}
}

func TestParseCSV(t *testing.T) {
	out := "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\",\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n" +
		"\"SET\",\"166666.67\",\"0.079\",\"0.024\",\"0.071\",\"0.127\",\"0.271\",\"0.575\"\n"
	r, err := parseCSV([]byte(out))
	if err != nil || r.rps != 166666.67 || r.p50 != 0.071 || r.p99 != 0.271 {
		t.Fatalf("unexpected row; got %+v, %v", r, err)
	}
	if _, err := parseCSV([]byte("\"test\",\"rps\"\n\"SET\",\"1\"\n")); err == nil {
		t.Fatalf("unexpected success without latency columns")
	}
}

func TestCombine(t *testing.T) {
	// 100 sets at 100/s (1 s) and 900 gets at 300/s (3 s): 1000 requests in 4 s.
	l := combine([]csvRow{{n: 100, rps: 100, p50: 1, p99: 2}, {n: 900, rps: 300, p50: 2, p99: 4}})
	if l.OpsSec != 250 || l.Requests != 1000 || math.Abs(l.P50-1.9) > 1e-12 || math.Abs(l.P99-3.8) > 1e-12 {
		t.Fatalf("unexpected combination; got %+v", l)
	}
}

func TestSelectWorkloads(t *testing.T) {
	all, err := selectWorkloads("all", false)
	if err != nil || len(all) != 8 {
		t.Fatalf("unexpected workloads; got %d, %v", len(all), err)
	}
	two, err := selectWorkloads("latency, mix", false)
	if err != nil || len(two) != 2 || two[0].Name != "latency" {
		t.Fatalf("unexpected selection; got %+v, %v", two, err)
	}
	if _, err := selectWorkloads("nope", false); err == nil {
		t.Fatalf("unexpected success for an unknown workload")
	}
	c := all[1].Config(7000, 5e9, 1000)
	if c.Pipeline != 16 || c.Port != 7000 || c.TestTime != 5e9 || c.Requests != 0 || c.KeyMaximum != 1000 {
		t.Fatalf("unexpected pipe16 config; got %+v", c)
	}
}

func TestParseFlags(t *testing.T) {
	var errOut bytes.Buffer
	o, err := parseFlags([]string{"-reps", "4", "-duration", "2s", "-cluster", "-tool", "redis-benchmark"}, &errOut)
	if err != nil || o.reps != 4 || o.duration.Seconds() != 2 || !o.cluster || o.tool != "redis-benchmark" {
		t.Fatalf("unexpected options; got %+v, %v", o, err)
	}
	for _, bad := range [][]string{{"-reps", "0"}, {"-duration", "10ms"}, {"extra"}, {"-nope"}} {
		if _, err := parseFlags(bad, &errOut); err == nil {
			t.Errorf("unexpected success for %v", bad)
		}
	}
	if _, err := pickTool(options{tool: "nope"}, ""); err == nil {
		t.Errorf("unexpected success for an unknown tool")
	}
	if tl, err := pickTool(options{tool: "builtin"}, ""); err != nil || tl.name() == "" {
		t.Errorf("unexpected builtin tool; got %v, %v", tl, err)
	}
}
