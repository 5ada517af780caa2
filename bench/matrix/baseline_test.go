package matrix

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func specNames(specs []spec) []string {
	var names []string
	for _, s := range specs {
		names = append(names, s.name)
	}
	return names
}

// TestBaselineTargets: -baseline gives every node target a twin base-* with
// the same spec and the baseline binary, right after it.
func TestBaselineTargets(t *testing.T) {
	var errOut bytes.Buffer
	wd, _ := os.Getwd()
	o, err := parseFlags([]string{"-baseline", "old/dynomite", "-cluster", "-memcached", "-floor=false", "-direct=false", "-reps", "5"}, &errOut)
	if err != nil {
		t.Fatalf("cannot parse flags: %v", err)
	}
	if want := filepath.Join(wd, "old", "dynomite"); o.baseline != want || o.reps != 5 || o.direct {
		t.Fatalf("unexpected options; got baseline %q, reps %d, direct %v; want %q, 5, false", o.baseline, o.reps, o.direct, want)
	}
	specs := targetSpecs(o, "/new/dynomite", "")
	want := []string{"dyn-1", "base-1", "dyn-3-one", "base-3-one", "dyn-3-quorum", "base-3-quorum", "dyn-1-mc", "base-1-mc"}
	if got := specNames(specs); !slices.Equal(got, want) {
		t.Fatalf("unexpected targets; got %v; want %v", got, want)
	}
	for i := 0; i < len(specs); i += 2 {
		node, base := specs[i], specs[i+1]
		if node.bin != "/new/dynomite" || base.bin != o.baseline || base.twin != node.name || node.twin != "" {
			t.Errorf("unexpected binaries or twins; got %+v and %+v", node, base)
		}
		if !strings.HasPrefix(base.desc, "-baseline dynomite, ") {
			t.Errorf("unexpected description %q", base.desc)
		}
		// Everything else is the node's: the same configuration, started the same way.
		base.name, base.desc, base.bin, base.twin = node.name, node.desc, node.bin, node.twin
		if !reflect.DeepEqual(base, node) {
			t.Errorf("unexpected baseline spec %+v; want the node's %+v", base, node)
		}
	}
	if specs[2].racks != 3 || specs[3].consistency != "DC_ONE" || specs[5].consistency != "DC_QUORUM" {
		t.Errorf("unexpected cluster specs %+v", specs[2:6])
	}

	// The default matrix has no twin; -stats-cost puts dyn-1-nostats in
	// dyn-1's unit, after the baseline twin.
	o, err = parseFlags(nil, &errOut)
	if err != nil || !o.direct || !o.floor || o.baseline != "" {
		t.Fatalf("unexpected default options %+v, %v", o, err)
	}
	if got := specNames(targetSpecs(o, "/new/dynomite", "")); !slices.Equal(got, []string{"redis", floorTarget, "dyn-1"}) {
		t.Fatalf("unexpected default targets %v", got)
	}
	o.baseline, o.floor = "/old/dynomite", false
	specs = targetSpecs(o, "/new/dynomite", "/new/dynomite-nostats")
	if got := specNames(specs); !slices.Equal(got, []string{"redis", "dyn-1", "base-1", noStatsTarget}) || specs[3].twin != "dyn-1" {
		t.Fatalf("unexpected targets with -stats-cost %v", specs)
	}
	// Without a node binary the baseline still runs.
	if got := specNames(targetSpecs(o, "", "")); !slices.Equal(got, []string{"redis", "base-1"}) {
		t.Fatalf("unexpected targets without a node %v", got)
	}
	if baselineName("redis") != "" || baselineName(floorTarget) != "" || baselineName("dyn-3-one") != "base-3-one" {
		t.Fatalf("unexpected baseline names")
	}
}

func TestMainBaselineMissing(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	err := Main(context.Background(), []string{"-baseline", filepath.Join(dir, "nope"), "-out", dir}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "-baseline") {
		t.Fatalf("unexpected error %v", err)
	}
}

// TestRunOrderRotates: units stay together, every unit and every member of
// a unit runs first in turn.
func TestRunOrderRotates(t *testing.T) {
	targets := []*target{{name: "redis"}, {name: floorTarget}, {name: "dyn-1"}, {name: "base-1", twin: "dyn-1"},
		{name: "dyn-3-one"}, {name: "base-3-one", twin: "dyn-3-one"}}
	order := func(rep int) string {
		var names []string
		for _, t := range runOrder(targets, rep) {
			names = append(names, t.name)
		}
		return strings.Join(names, " ")
	}
	for rep, want := range map[int]string{
		1: "redis floor dyn-1 base-1 dyn-3-one base-3-one",
		2: "floor base-1 dyn-1 base-3-one dyn-3-one redis",
		3: "dyn-1 base-1 dyn-3-one base-3-one redis floor",
		4: "base-3-one dyn-3-one redis floor base-1 dyn-1",
		5: "redis floor dyn-1 base-1 dyn-3-one base-3-one",
	} {
		if got := order(rep); got != want {
			t.Errorf("unexpected order in rep %d; got %q; want %q", rep, got, want)
		}
	}
	// Over two reps the node and its twin each run first once.
	first := map[string]int{}
	for rep := 1; rep <= 2; rep++ {
		o := order(rep)
		if strings.Index(o, "dyn-1 ") < strings.Index(o, "base-1 ") {
			first["dyn-1"]++
		} else {
			first["base-1"]++
		}
	}
	if first["dyn-1"] != 1 || first["base-1"] != 1 {
		t.Errorf("unexpected firsts %v", first)
	}
	// A stats-off twin joins the unit: three members rotate.
	three := []*target{{name: "dyn-1"}, {name: "base-1", twin: "dyn-1"}, {name: noStatsTarget, twin: "dyn-1"}}
	for rep, want := range []string{"dyn-1", "base-1", noStatsTarget, "dyn-1"} {
		if got := runOrder(three, rep+1); got[0].name != want || len(got) != 3 {
			t.Errorf("unexpected first of rep %d; got %s; want %s", rep+1, got[0].name, want)
		}
	}
}

func TestCompareBaseline(t *testing.T) {
	mk := func(w, target string, rep int, ops, p50, cpu float64) sample {
		return sample{Workload: w, Target: target, Rep: rep, Load: load{OpsSec: ops, P50: p50, P99: 2 * p50, Requests: 100}, CPUPerOp: cpu}
	}
	// mix: same-rep ratios 0.96, 1.10, 0.90, 1.00, 0.99 -> median 0.99;
	// pipe16: 0.90, 0.94, 0.93 -> 0.93, more than 5% slower.
	var samples []sample
	for i, p := range [][2]float64{{96, 100}, {110, 100}, {90, 100}, {200, 200}, {99, 100}} {
		samples = append(samples, mk("mix", "redis", i+1, 150, 0.1, 5),
			mk("mix", "dyn-1", i+1, p[0], 0.2, 10), mk("mix", "base-1", i+1, p[1], 0.25, 8))
	}
	for i, r := range []float64{0.9, 0.94, 0.93} {
		samples = append(samples, mk("pipe16", "redis", i+1, 150, 0.1, 5),
			mk("pipe16", "dyn-1", i+1, 100*r, 0.2, 2), mk("pipe16", "base-1", i+1, 100, 0.2, 2))
	}
	samples = append(samples, mk("mix", "dyn-3-one", 1, 50, 0.3, 12), // no twin
		sample{Workload: "pipe16", Target: "base-1", Rep: 4, Err: "boom"}, mk("pipe16", "dyn-1", 4, 1, 1, 1))
	workloads, targets := []string{"mix", "pipe16", "mc-mix"}, []string{"redis", "dyn-1", "base-1", "dyn-3-one"}
	rows := compareBaseline(samples, workloads, targets)
	if len(rows) != 2 {
		t.Fatalf("unexpected rows %+v", rows)
	}
	m, p := rows[0], rows[1]
	if m.Workload != "mix" || m.Target != "dyn-1" || m.Baseline != "base-1" || m.Runs != 5 || math.Abs(m.OpsRatio-0.99) > 1e-9 ||
		m.MinRatio != 0.9 || math.Abs(m.MaxRatio-1.1) > 1e-9 || math.Abs(m.P50Ratio-0.8) > 1e-9 || m.CPURatio != 1.25 || !m.Within {
		t.Errorf("unexpected mix row %+v", m)
	}
	if p.Runs != 3 || math.Abs(p.OpsRatio-0.93) > 1e-9 || p.Within {
		t.Errorf("unexpected pipe16 row %+v", p)
	}

	// The table's column is the same median, on the node's rows only.
	sum := summarize(samples, workloads, targets)
	for _, r := range sum {
		want := math.NaN()
		if r.Target == "dyn-1" && r.Workload == "mix" {
			want = 0.99
		} else if r.Target == "dyn-1" {
			want = 0.93
		}
		if math.IsNaN(want) != math.IsNaN(r.BaseRatio) || math.Abs(r.BaseRatio-want) > 1e-9 {
			t.Errorf("unexpected ratio to the baseline of %s/%s: %v; want %v", r.Workload, r.Target, r.BaseRatio, want)
		}
	}
	var b bytes.Buffer
	writeTable(&b, sum)
	writeBaseline(&b, "/old/dynomite", 3, rows)
	for _, want := range []string{"ratio  vs base", "mix       dyn-1         5     99   0.66    0.990", "0.930",
		"running /old/dynomite", "mix       dyn-1  base-1       5        0.990  0.90-1.10      0.800         1.250        yes",
		"pipe16    dyn-1  base-1       3        0.930", "NO", "1 of 2 rows more than 5% slower", "fewer than 5 reps", "same-rep ratios spread over more than 10% (min-max) on 1 of 2 rows"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output without %q:\n%s", want, b.String())
		}
	}

	// Medians without a value are null in the JSON, which refuses NaN.
	js, err := json.Marshal(report{Medians: sum, Versus: append(rows, baseRow{Workload: "x", MinRatio: math.NaN(), OpsRatio: math.NaN()}),
		StatsCost: []costRow{{Workload: "x", OpsRatio: math.NaN()}}})
	if err != nil {
		t.Fatalf("cannot encode: %v", err)
	}
	if !strings.Contains(string(js), `"ratio_to_baseline":null`) || !strings.Contains(string(js), `"ratio_to_baseline":0.99`) {
		t.Errorf("unexpected JSON %s", js)
	}
	var back report
	if err := json.Unmarshal(js, &back); err != nil || len(back.Versus) != 3 || back.Versus[0].Runs != 5 || back.Medians[1].OpsSec != 99 {
		t.Errorf("unexpected decoding %+v, %v", back, err)
	}
}
