package matrix

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// series returns one sample every 10 s from 10 s to 10 min whose RSS in MB
// is rss(minutes), at 1000 ops/s.
func series(rss func(min float64) float64) []rssSample {
	var xs []rssSample
	for at := 10 * time.Second; at <= 10*time.Minute; at += 10 * time.Second {
		xs = append(xs, rssSample{At: at, RSS: int64(rss(at.Minutes()) * mib), OpsSec: 1000})
	}
	return xs
}

func near(a, b, eps float64) bool { return math.Abs(a-b) <= eps }

func TestSlopePerMinute(t *testing.T) {
	if got := slopePerMinute(series(func(m float64) float64 { return 20 + 0.3*m })); !near(got, 0.3, 1e-6) {
		t.Errorf("unexpected slope of a 0.3 MB/min line: %v", got)
	}
	if got := slopePerMinute(series(func(float64) float64 { return 20 })); got != 0 {
		t.Errorf("unexpected slope of a flat line: %v", got)
	}
	// A saw-tooth around a flat mean has no trend.
	saw := series(func(m float64) float64 { return 20 + math.Mod(m*6, 2) })
	if got := slopePerMinute(saw); !near(got, 0, 0.05) {
		t.Errorf("unexpected slope of a saw-tooth: %v", got)
	}
	one := []rssSample{{At: time.Minute, RSS: mib}, {At: time.Minute, RSS: 2 * mib}}
	if got := slopePerMinute(one); got != 0 {
		t.Errorf("unexpected slope of samples at one time: %v", got)
	}
}

func TestSummarizeSoak(t *testing.T) {
	lim := defaultLimits(64, time.Minute)

	// Warm-up from 10 to 20 MB in the first minute, then flat: PASS.
	flat := series(func(m float64) float64 { return min(20, 10+10*m) })
	s := summarizeSoak(flat, 21*mib, lim)
	if !s.Pass || s.Samples != 60 || s.Judged != 55 || s.Window != 6 {
		t.Fatalf("unexpected summary of a flat run: %+v", s)
	}
	if s.FirstMB != 20 || s.LastMB != 20 || s.GrowthMB != 0 || s.GrowthPct != 0 || !near(s.SlopeMBMin, 0, 1e-9) {
		t.Fatalf("unexpected flat figures: %+v", s)
	}
	if s.PeakMB != 21 || s.MaxMB != 20 || s.HWMMB != 21 {
		t.Fatalf("unexpected peak: VmHWM above the samples must count: %+v", s)
	}
	if s.FirstAt != "1m0s" || s.LastTo != "10m0s" || s.MinOpsSec != 1000 || s.MaxOpsSec != 1000 {
		t.Fatalf("unexpected windows or rates: %+v", s)
	}
	if s.verdict() != "verdict:  PASS" {
		t.Fatalf("unexpected verdict %q", s.verdict())
	}

	// A slow climb, 20 to 21 MB over the run: under both flatness limits.
	s = summarizeSoak(series(func(m float64) float64 { return 20 + 0.1*m }), 0, lim)
	if !s.Pass || !near(s.SlopeMBMin, 0.1, 1e-6) || s.GrowthPct <= 0 || s.GrowthPct >= 10 {
		t.Fatalf("unexpected summary of a slow climb: %+v", s)
	}
	// first window: samples at 1:00..1:50, mean at 1:25; last: 9:10..10:00, mean at 9:35.
	if want := 0.1 * (9.5833333 - 1.4166667); !near(s.GrowthMB, want, 1e-4) {
		t.Fatalf("unexpected growth %v; want %v", s.GrowthMB, want)
	}

	// A leak of 2 MB/min from 20 MB: both growth and slope fail.
	s = summarizeSoak(series(func(m float64) float64 { return 20 + 2*m }), 0, lim)
	if s.Pass || len(s.Failures) != 2 || !strings.Contains(s.Failures[0], "grew") || !strings.Contains(s.Failures[1], "slope 2.00") {
		t.Fatalf("unexpected summary of a leak: %+v", s)
	}

	// A large base hides 0.6 MB/min in the growth (under 10%), not in the slope.
	s = summarizeSoak(series(func(m float64) float64 { return 200 + 0.6*m }), 0, defaultLimits(1000, time.Minute))
	if s.Pass || len(s.Failures) != 1 || !strings.Contains(s.Failures[0], "slope 0.60") || s.GrowthPct >= 10 {
		t.Fatalf("unexpected summary of a slope-only failure: %+v", s)
	}

	// Flat but over the RSS limit; equal to the limit is not under it.
	s = summarizeSoak(flat, 64*mib, lim)
	if s.Pass || len(s.Failures) != 1 || !strings.HasPrefix(s.Failures[0], "peak RSS 64.0 MB is not under 64 MB") {
		t.Fatalf("unexpected summary over the limit: %+v", s)
	}
	if v := s.verdict(); !strings.HasPrefix(v, "verdict:  FAIL: peak RSS") {
		t.Fatalf("unexpected verdict %q", v)
	}

	// Shrinking is flat.
	s = summarizeSoak(series(func(m float64) float64 { return 30 - m }), 0, lim)
	if !s.Pass || s.GrowthMB >= 0 || s.SlopeMBMin >= 0 {
		t.Fatalf("unexpected summary of a shrinking run: %+v", s)
	}

	// Too few samples after the warm-up to judge.
	s = summarizeSoak(flat[:6], 0, lim)
	if s.Pass || s.Judged != 1 || s.Window != 0 || !strings.Contains(s.Failures[0], "too few") {
		t.Fatalf("unexpected summary of a short run: %+v", s)
	}
	s = summarizeSoak(nil, 0, lim)
	if s.Pass || s.Samples != 0 {
		t.Fatalf("unexpected summary of no samples: %+v", s)
	}

	// A small run: the windows hold at least one sample each.
	few := []rssSample{{At: 0, RSS: 10 * mib}, {At: time.Second, RSS: 11 * mib}, {At: 2 * time.Second, RSS: 12 * mib}}
	s = summarizeSoak(few, 0, defaultLimits(64, 0))
	if s.Window != 1 || s.FirstMB != 10 || s.LastMB != 12 || s.GrowthPct != 20 || s.Pass {
		t.Fatalf("unexpected summary of three samples: %+v", s)
	}
}

func TestWriteSoakSummary(t *testing.T) {
	lim := defaultLimits(64, time.Minute)
	s := summarizeSoak(series(func(float64) float64 { return 20 }), 20.5*mib, lim)
	var b bytes.Buffer
	writeSoakSummary(&b, s, lim, 12345, 0)
	out := b.String()
	for _, want := range []string{
		"  samples                60  55 at or after the 1m0s warm-up\n",
		"  peak RSS          20.5 MB  VmHWM 20.5, highest sample 20.0          limit < 64 MB\n",
		"  first 10%         20.0 MB  mean of 6 samples from 1m0s\n",
		"  last 10%          20.0 MB  mean of 6 samples to 10m0s\n",
		"  growth            +0.0 MB  +0.0% last over first                    limit < 10%\n",
		"  slope       +0.000 MB/min  least squares after warm-up              limit < 0.5 MB/min\n",
		"  ops/s               12345  mean; intervals 1000 to 1000; 0 error replies\n",
		"\nverdict:  PASS\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary without %q:\n%s", want, out)
		}
	}
	// Without samples after the warm-up there are no windows to print.
	b.Reset()
	writeSoakSummary(&b, summarizeSoak(nil, 0, lim), lim, 0, 0)
	if strings.Contains(b.String(), "first 10%") || !strings.Contains(b.String(), "VmHWM not read") ||
		!strings.Contains(b.String(), "verdict:  FAIL: 0 samples") {
		t.Errorf("unexpected summary of no samples:\n%s", b.String())
	}
}

func TestParseSoakFlags(t *testing.T) {
	o, err := parseSoakFlags(nil, new(bytes.Buffer))
	if err != nil || o.duration != 10*time.Minute || o.interval != 10*time.Second || o.warmup != time.Minute ||
		o.rssLimit != 64 || o.workload != "mix" || o.keys != 100000 {
		t.Fatalf("unexpected defaults %+v, %v", o, err)
	}
	if o, err := parseSoakFlags([]string{"-duration", "1m"}, new(bytes.Buffer)); err != nil || o.warmup != 6*time.Second {
		t.Fatalf("unexpected warm-up of a 1m soak %v, %v; want a tenth", o.warmup, err)
	}
	if o, err := parseSoakFlags([]string{"-duration", "1h"}, new(bytes.Buffer)); err != nil || o.warmup != time.Minute {
		t.Fatalf("unexpected warm-up of a 1h soak %v, %v; want 1m", o.warmup, err)
	}
	for _, bad := range [][]string{
		{"-duration", "500ms"}, {"-duration", "3h"}, {"-interval", "10ms"}, {"-duration", "5s", "-interval", "6s"},
		{"-duration", "1m", "-warmup", "1m"}, {"-warmup", "-1s"}, {"-rss-limit", "0"}, {"extra"},
	} {
		if _, err := parseSoakFlags(bad, new(bytes.Buffer)); err == nil {
			t.Errorf("unexpected success with %q", bad)
		}
	}
	if err := Soak(context.Background(), []string{"-workload", "mix,1k", "-duration", "1s"}, new(bytes.Buffer), new(bytes.Buffer)); err == nil {
		t.Errorf("unexpected success with two workloads")
	}
}

// TestRSSOwnProcess checks the VmRSS reading the soak samples against the
// resident pages of /proc/self/statm.
func TestRSSOwnProcess(t *testing.T) {
	ballast := make([]byte, 32<<20)
	for i := range ballast {
		ballast[i] = 1
	}
	rss, err := enginetest.RSS(os.Getpid())
	b, serr := os.ReadFile("/proc/self/statm")
	if err != nil || serr != nil {
		t.Fatalf("cannot read own RSS: %v, %v", err, serr)
	}
	f := strings.Fields(string(b))
	pages, perr := strconv.ParseInt(f[1], 10, 64)
	if perr != nil {
		t.Fatalf("cannot parse statm %q: %v", b, perr)
	}
	statm := pages * int64(os.Getpagesize())
	if rss < 32<<20 || !near(float64(rss), float64(statm), 0.1*float64(statm)) {
		t.Fatalf("unexpected RSS %d; statm says %d", rss, statm)
	}
	ballast[len(ballast)-1] = 2 // keep it alive until here
	if _, err := enginetest.RSS(1 << 30); err == nil {
		t.Fatalf("unexpected RSS of a process that does not exist")
	}
}

var pidRE = regexp.MustCompile(`\(pid (\d+)\)`)

// gone checks that the processes named in a soak's output have exited.
func gone(t *testing.T, out string) {
	t.Helper()
	m := pidRE.FindAllStringSubmatch(out, -1)
	if len(m) != 2 {
		t.Fatalf("unexpected target line, want two PIDs:\n%s", out)
	}
	for _, p := range m {
		if _, err := os.Stat("/proc/" + p[1]); err == nil {
			t.Errorf("process %s is still there after the soak", p[1])
		}
	}
}

// TestSoakShort runs two short soaks against a real node: one to its end
// with a 1 MB limit (so FAIL), one stopped by its context (Ctrl-C).
func TestSoakShort(t *testing.T) {
	bin := enginetest.BuildDynomite(t)
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	args := []string{"-duration", "2s", "-interval", "500ms", "-warmup", "500ms", "-rss-limit", "1",
		"-dynomite", bin, "-key-maximum", "1000", "-out", dir}
	err := Soak(context.Background(), args, &out, &errOut)
	if !errors.Is(err, ErrSoakFailed) {
		t.Fatalf("unexpected result %v; want FAIL\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	s := out.String()
	for _, want := range []string{"target:   dyn-1", "workload: mix: 1:10 SET:GET, 32 B values, 2 threads x 25 clients",
		"   elapsed      ops/s    RSS MB\n", "      0.5s ", "peak RSS", "verdict:  FAIL: peak RSS", "results:  "} {
		if !strings.Contains(s, want) {
			t.Errorf("soak output without %q:\n%s", want, s)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "soak-*.json")); len(files) != 1 {
		t.Errorf("unexpected result files %v", files)
	}
	gone(t, s)

	out.Reset()
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	args[1] = "1m"
	err = Soak(ctx, args, &out, &errOut)
	if err == nil || errors.Is(err, ErrSoakFailed) || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("unexpected result of an interrupted soak: %v\n%s", err, out.String())
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("interrupted soak took %v", d)
	}
	gone(t, out.String())
}
