package matrix

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func chartRows() []row {
	r := func(w, t string, ratio float64) row { return row{Workload: w, Target: t, Runs: 1, Ratio: ratio} }
	return []row{
		r("mix", "redis", 1), r("mix", floorTarget, 0.8), r("mix", "dyn-1", 0.67), r("mix", "c-1", 0.62), r("mix", twemproxyTarget, 0.64),
		r("mix", "dyn-3-one", 0.49), r("mix", "c-3-one", 0.52),
		r("pipe16", "redis", 1), r("pipe16", floorTarget, 0.66), r("pipe16", "dyn-1", 0.67), r("pipe16", "c-1", math.NaN()),
		{Workload: "pipe16", Target: "dyn-3-one", Runs: 0, Ratio: math.NaN(), Errors: "1 failed"},
		r("mc-mix", memcachedTarget, 1), r("mc-mix", floorMCTarget, 0.9), r("mc-mix", "dyn-1-mc", 0.7),
	}
}

func TestChartData(t *testing.T) {
	d := newChartData(chartRows())
	if !slices.Equal(d.workloads, []string{"mix", "pipe16", "mc-mix"}) {
		t.Fatalf("unexpected workloads %v", d.workloads)
	}
	// Direct and floor are not bars; a target with no ratio anywhere is none either.
	if want := []string{"dyn-1", "c-1", twemproxyTarget, "dyn-3-one", "c-3-one", "dyn-1-mc"}; !slices.Equal(d.targets, want) {
		t.Fatalf("unexpected targets; got %v; want %v", d.targets, want)
	}
	if d.floor[0] != 0.8 || d.floor[1] != 0.66 || d.floor[2] != 0.9 {
		t.Fatalf("unexpected floor marks %v", d.floor)
	}
	if d.ratio[0][1] != 0.67 || !math.IsNaN(d.ratio[1][1]) || !math.IsNaN(d.ratio[5][0]) || d.ratio[5][2] != 0.7 {
		t.Fatalf("unexpected ratios %v", d.ratio)
	}
}

func TestWriteChart(t *testing.T) {
	dir := t.TempDir()
	paths, err := writeChart(dir, "matrix-x", "test chart", chartRows())
	if err != nil || len(paths) != 2 {
		t.Fatalf("cannot write the chart: %v (%v)", err, paths)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "matrix-x.svg"))
	if err != nil {
		t.Fatalf("cannot read the SVG: %v", err)
	}
	for _, want := range []string{"<svg", "mix", "pipe16", "mc-mix", "c-3-one", "twem-1", "floor", "test chart"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("unexpected SVG without %q (%d bytes)", want, len(svg))
		}
	}
	f, err := os.Open(filepath.Join(dir, "matrix-x.png"))
	if err != nil {
		t.Fatalf("cannot open the PNG: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("cannot decode the PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
		t.Fatalf("unexpected PNG size %v", b)
	}
	// Nothing to draw: no file and an error that says why.
	_, err = writeChart(dir, "empty", "", []row{{Workload: "mix", Target: "dyn-1", Runs: 1, Ratio: math.NaN()}})
	if err == nil || !strings.Contains(err.Error(), "no target has a ratio") {
		t.Fatalf("unexpected result without ratios: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "empty.svg")); err == nil {
		t.Fatalf("unexpected chart without ratios")
	}
}
