package matrix

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/dynomite-go/dynomite/bench"
)

// load is what one run measured on the client side.
type load struct {
	OpsSec   float64 `json:"ops_sec"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
	Max      float64 `json:"max_ms"` // 0 when the tool does not report it
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	// FirstError is the first error reply (built-in generator only).
	FirstError string `json:"first_error,omitempty"`
}

// tool generates the load of one run.
type tool interface {
	name() string
	run(ctx context.Context, cfg bench.Config) (load, error)
}

// builtin runs package bench in this process, with GOMAXPROCS set to the
// workload's thread count as memtier would use that many OS threads.
type builtin struct{}

func (builtin) name() string { return "built-in generator (memtier-compatible)" }

func (builtin) run(ctx context.Context, cfg bench.Config) (load, error) {
	defer generatorProcs(cfg.Threads)()
	r, err := bench.Run(ctx, cfg, nil)
	if err != nil {
		return load{}, err
	}
	return fromResult(r), nil
}

// generatorProcs sets GOMAXPROCS to a load's thread count (at most the
// CPUs), as memtier would run that many OS threads, and returns the function
// that restores it.
func generatorProcs(threads int) (restore func()) {
	prev := runtime.GOMAXPROCS(min(threads, runtime.NumCPU()))
	return func() { runtime.GOMAXPROCS(prev) }
}

func fromResult(r *bench.Result) load {
	return load{OpsSec: r.Totals.OpsSec, P50: r.Totals.Percentile(50), P99: r.Totals.Percentile(99),
		Max: r.Totals.MaxLatency, Requests: r.Totals.Count, Errors: r.Totals.Errors, FirstError: r.FirstError}
}

// memtier runs memtier_benchmark with the same flags and reads its
// --json-out-file.
type memtier struct{ path, dir string }

func (m memtier) name() string { return "memtier_benchmark (" + m.path + ")" }

func (m memtier) run(ctx context.Context, cfg bench.Config) (load, error) {
	out := filepath.Join(m.dir, "memtier.json")
	cfg.JSONOutFile = out
	cfg.HideHistogram = true
	ctx, cancel := context.WithTimeout(ctx, cfg.TestTime+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, m.path, cfg.Args()...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return load{}, fmt.Errorf("memtier_benchmark failed: %w: %s", err, tail(stderr.String()))
	}
	f, err := os.Open(out)
	if err != nil {
		return load{}, fmt.Errorf("cannot open memtier_benchmark output: %w", err)
	}
	defer f.Close()
	r, err := bench.ReadJSON(f)
	if err != nil {
		return load{}, err
	}
	return fromResult(r), nil
}

// redisBenchmark runs redis-benchmark: one SET and one GET test sized by the
// ratio, combined into one request rate. redis-benchmark is count-bounded,
// so the count is estimated from the duration (assumedRate per pipelined
// slot) and the run is cut off at four times the duration.
type redisBenchmark struct{ path string }

const assumedRate = 20000

func (r redisBenchmark) name() string { return "redis-benchmark (" + r.path + ")" }

func (r redisBenchmark) run(ctx context.Context, cfg bench.Config) (load, error) {
	total := int(cfg.TestTime.Seconds() * assumedRate * float64(min(cfg.Pipeline, 8)))
	if cfg.Threads*cfg.Clients == 1 {
		total /= 4 // one connection is latency-bound
	}
	sets := total * cfg.Ratio.Set / (cfg.Ratio.Set + cfg.Ratio.Get)
	gets := total - sets
	var rows []csvRow
	for _, t := range []struct {
		test string
		n    int
	}{{"set", sets}, {"get", gets}} {
		if t.n == 0 {
			continue
		}
		row, err := r.one(ctx, cfg, t.test, t.n)
		if err != nil {
			return load{}, err
		}
		rows = append(rows, row)
	}
	return combine(rows), nil
}

type csvRow struct {
	n             int
	rps, p50, p99 float64
}

func (r redisBenchmark) one(ctx context.Context, cfg bench.Config, test string, n int) (csvRow, error) {
	ctx, cancel := context.WithTimeout(ctx, 4*cfg.TestTime+10*time.Second)
	defer cancel()
	args := []string{"-h", cfg.Server, "-p", strconv.Itoa(cfg.Port), "-c", strconv.Itoa(cfg.Threads * cfg.Clients),
		"-n", strconv.Itoa(n), "-d", strconv.Itoa(cfg.DataSize), "-P", strconv.Itoa(cfg.Pipeline),
		"-r", strconv.FormatUint(cfg.KeyMaximum, 10), "--threads", strconv.Itoa(cfg.Threads), "-t", test, "--csv"}
	cmd := exec.CommandContext(ctx, r.path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return csvRow{}, fmt.Errorf("redis-benchmark failed: %w: %s", err, tail(stderr.String()))
	}
	row, err := parseCSV(stdout.Bytes())
	row.n = n
	return row, err
}

// parseCSV reads the first data row of redis-benchmark --csv output.
func parseCSV(b []byte) (csvRow, error) {
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) < 2 {
		return csvRow{}, fmt.Errorf("cannot parse redis-benchmark CSV %q: %v", tail(string(b)), err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	get := func(name string) (float64, error) {
		i, ok := col[name]
		if !ok || i >= len(recs[1]) {
			return 0, fmt.Errorf("cannot find %q in redis-benchmark CSV", name)
		}
		return strconv.ParseFloat(recs[1][i], 64)
	}
	var row csvRow
	var errs [3]error
	row.rps, errs[0] = get("rps")
	row.p50, errs[1] = get("p50_latency_ms")
	row.p99, errs[2] = get("p99_latency_ms")
	for _, e := range errs {
		if e != nil {
			return row, e
		}
	}
	return row, nil
}

// combine merges the SET and GET tests: the rate is all requests over the
// summed time of both tests; the percentiles are weighted by request count
// (an approximation: percentiles of two runs cannot be merged exactly).
func combine(rows []csvRow) load {
	var l load
	var secs float64
	for _, r := range rows {
		if r.rps > 0 {
			secs += float64(r.n) / r.rps
		}
		l.Requests += int64(r.n)
		l.P50 += r.p50 * float64(r.n)
		l.P99 += r.p99 * float64(r.n)
	}
	if l.Requests > 0 {
		l.P50 /= float64(l.Requests)
		l.P99 /= float64(l.Requests)
	}
	if secs > 0 {
		l.OpsSec = float64(l.Requests) / secs
	}
	return l
}

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 300 {
		s = "..." + s[len(s)-300:]
	}
	return s
}
