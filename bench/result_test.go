package bench

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// statsOf records the given latencies (µs) as gets, hits on even indexes.
func statsOf(lat ...int64) opStats {
	s := newOpStats()
	for i, us := range lat {
		kind := replyMiss
		if i%2 == 0 {
			kind = replyHit
		}
		s.record(us, kind, 10)
	}
	return s
}

func TestSummarizePercentiles(t *testing.T) {
	lat := make([]int64, 1000)
	for i := range lat {
		lat[i] = int64(i + 1) // 1..1000 µs
	}
	s := statsOf(lat...)
	o := summarize(&s, 2, []float64{50, 99, 99.9, 100}, true)
	f := func(p, wantMs float64) {
		t.Helper()
		got := o.Percentile(p)
		if math.Abs(got-wantMs) > wantMs*0.001+0.0005 {
			t.Errorf("unexpected p%g; got %.4f ms; want %.4f ms", p, got, wantMs)
		}
	}
	f(50, 0.500)
	f(99, 0.990)
	f(99.9, 0.999)
	f(100, 1.000)
	if o.Count != 1000 || o.OpsSec != 500 {
		t.Errorf("unexpected count/rate; got %d, %.1f; want 1000, 500", o.Count, o.OpsSec)
	}
	if o.HitsSec != 250 || o.MissesSec != 250 {
		t.Errorf("unexpected hits/misses per second; got %.1f/%.1f; want 250/250", o.HitsSec, o.MissesSec)
	}
	if math.Abs(o.AvgLatency-0.5005) > 1e-9 {
		t.Errorf("unexpected average; got %.6f ms; want 0.5005", o.AvgLatency)
	}
	if o.KBSec != 1000*10/2/1024.0 {
		t.Errorf("unexpected KB/sec; got %f", o.KBSec)
	}
	if o.MinLatency != 0.001 || o.MaxLatency != 1.0 {
		t.Errorf("unexpected min/max; got %f/%f", o.MinLatency, o.MaxLatency)
	}
}

func TestRecordClamps(t *testing.T) {
	s := statsOf(0, histMax*10)
	if s.hist.TotalCount() != 2 || s.hist.Min() != histMin {
		t.Fatalf("unexpected histogram; count %d min %d", s.hist.TotalCount(), s.hist.Min())
	}
	if got := s.hist.Max(); !s.hist.ValuesAreEquivalent(got, histMax) {
		t.Fatalf("unexpected max; got %d; want about %d", got, int64(histMax))
	}
}

func TestMergeAndRate(t *testing.T) {
	a, b := statsOf(100, 200), statsOf(300)
	a.merge(&b)
	if a.ops != 3 || a.latSum != 600 || a.hist.TotalCount() != 3 || a.hits != 2 || a.misses != 1 {
		t.Fatalf("unexpected merge; got %+v", a)
	}
	if rate(10, 0) != 0 || rate(10, 4) != 2.5 || avgMs(0, 0) != 0 || avgMs(3000, 3) != 1 {
		t.Fatalf("unexpected rate/avg math")
	}
}

func TestPercentileKey(t *testing.T) {
	f := func(p float64, want string) {
		t.Helper()
		if got := percentileKey(p); got != want {
			t.Errorf("unexpected key for %g; got %q; want %q", p, got, want)
		}
	}
	f(50, "p50.00")
	f(99, "p99.00")
	f(99.9, "p99.90")
	f(99.99, "p99.99")
	f(99.999, "p99.999")
	if got := percentileLabel(99.9); got != "p99.9" {
		t.Errorf("unexpected label; got %q", got)
	}
}

func testResult() *Result {
	cfg := DefaultConfig()
	cfg.HideHistogram = false
	set, get := statsOf(100, 200, 300), statsOf(50, 60, 70, 80)
	all := newOpStats()
	all.merge(&set)
	all.merge(&get)
	start := time.Unix(1700000000, 0)
	return &Result{
		Config: cfg, Start: start, End: start.Add(2 * time.Second), Duration: 2 * time.Second,
		Sets:   summarize(&set, 2, cfg.Percentiles, false),
		Gets:   summarize(&get, 2, cfg.Percentiles, true),
		Totals: summarize(&all, 2, cfg.Percentiles, true),
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	testResult().WriteTable(&b)
	out := b.String()
	for _, want := range []string{"ALL STATS", "Type", "Ops/sec", "Hits/sec", "Misses/sec", "Avg. Latency",
		"p50 Latency", "p99 Latency", "p99.9 Latency", "KB/sec", "\nSets ", "\nGets ", "\nWaits ", "\nTotals ",
		"Request Latency Distribution"} {
		if !strings.Contains(out, want) {
			t.Errorf("unexpected table without %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "Totals         3.50         2.00         1.50") {
		t.Errorf("unexpected Totals row:\n%s", out)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := testResult()
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatalf("cannot write JSON: %v", err)
	}
	for _, want := range []string{`"ALL STATS"`, `"Totals"`, `"Ops/sec"`, `"p99.90"`, `"Time unit": "MILLISECONDS"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("unexpected JSON without %s:\n%s", want, b.String())
		}
	}
	back, err := ReadJSON(&b)
	if err != nil {
		t.Fatalf("cannot read JSON: %v", err)
	}
	if back.Totals.Count != 7 || back.Totals.OpsSec != 3.5 || back.Gets.Count != 4 || back.Duration != 2*time.Second {
		t.Fatalf("unexpected round trip; got %+v", back.Totals)
	}
	if p := back.Totals.Percentile(99); p != r.Totals.Percentile(99) {
		t.Fatalf("unexpected p99 after round trip; got %v; want %v", p, r.Totals.Percentile(99))
	}
}

func TestReadMemtierJSON(t *testing.T) {
	// The shape memtier_benchmark writes, including its nested histogram object
	// inside "Percentile Latencies" and the older "Latency" name.
	doc := `{"configuration": {"server": "x"}, "ALL STATS": {
	  "Sets": {"Count": 10, "Ops/sec": 5.0, "Hits/sec": 0, "Misses/sec": 0, "Latency": 0.2, "KB/sec": 1.5,
	           "Percentile Latencies": {"p50.00": 0.1, "p99.00": 0.3}},
	  "Gets": {"Count": 100, "Ops/sec": 50.0, "Hits/sec": 20, "Misses/sec": 30, "Average Latency": 0.25, "KB/sec": 3.5,
	           "Percentile Latencies": {"p50.00": 0.2, "p99.00": 0.4, "Histogram log format": {"Compressed Histogram": "HISTFAA"}}},
	  "Totals": {"Count": 110, "Ops/sec": 55.0, "Hits/sec": 20, "Misses/sec": 30, "Average Latency": 0.24, "KB/sec": 5.0,
	           "Percentile Latencies": {"p50.00": 0.2, "p99.00": 0.4, "p99.90": 0.9}},
	  "Runtime": {"Start time": 1, "Finish time": 2001, "Total duration": 2000, "Time unit": "MILLISECONDS"}}}`
	r, err := ReadJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("cannot read memtier JSON: %v", err)
	}
	if r.Totals.OpsSec != 55 || r.Totals.Percentile(99.9) != 0.9 || r.Sets.AvgLatency != 0.2 || r.Gets.AvgLatency != 0.25 {
		t.Fatalf("unexpected result; got %+v", r.Totals)
	}
	if len(r.Gets.Percentiles) != 2 {
		t.Fatalf("unexpected percentiles; got %+v", r.Gets.Percentiles)
	}
	if _, err := ReadJSON(strings.NewReader(`{"ALL STATS": {}}`)); err == nil {
		t.Fatalf("unexpected success on a document without totals")
	}
}
