package matrix

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/dynomite-go/dynomite/bench"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/perf"
)

// ErrSoakFailed is Soak's error when the node broke a memory limit; the
// verdict line it printed says which.
var ErrSoakFailed = errors.New("soak: FAIL")

// soakOptions are the soak's flags.
type soakOptions struct {
	setup
	duration time.Duration
	interval time.Duration
	warmup   time.Duration
	rssLimit float64
	workload string
}

func parseSoakFlags(args []string, stderr io.Writer) (soakOptions, error) {
	var o soakOptions
	fs := flag.NewFlagSet("dynomite-bench soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", 10*time.Minute, "length of the load (1s to 2h)")
	fs.DurationVar(&o.interval, "interval", 10*time.Second, "time between two RSS samples and progress lines")
	fs.DurationVar(&o.warmup, "warmup", time.Minute, "samples before this are left out of the growth and the slope (when not given: 1m, or a tenth of -duration under 10m)")
	fs.Float64Var(&o.rssLimit, "rss-limit", 64, "peak RSS limit of the node, in MB (2^20 bytes)")
	fs.StringVar(&o.workload, "workload", "mix", "one workload: mix, pipe16, 1k, fanin, latency or mc-mix")
	if err := o.setup.parse(fs, args); err != nil {
		return o, err
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "warmup" })
	if !given {
		o.warmup = min(o.warmup, o.duration/10)
	}
	switch {
	case o.duration < time.Second || o.duration > 2*time.Hour:
		return o, errors.New("-duration must be between 1s and 2h")
	case o.interval < 100*time.Millisecond || o.interval > o.duration:
		return o, errors.New("-interval must be between 100ms and -duration")
	case o.warmup < 0 || o.warmup >= o.duration:
		return o, errors.New("-warmup must be at least 0 and under -duration")
	case o.rssLimit <= 0:
		return o, errors.New("-rss-limit must be positive")
	}
	return o, nil
}

// soakReport is the JSON file written under -out.
type soakReport struct {
	Started  time.Time   `json:"started"`
	CPU      perf.Info   `json:"cpu"`
	Workload string      `json:"workload"`
	Duration string      `json:"duration"`
	Interval string      `json:"interval"`
	Dynomite string      `json:"dynomite"`
	Limits   soakLimits  `json:"limits"`
	OpsSec   float64     `json:"ops_sec"`
	Errors   int64       `json:"error_replies"`
	Samples  []rssSample `json:"samples"`
	Summary  soakSummary `json:"summary"`
}

// Soak runs one workload against one dynomite node in front of its own
// datastore for the whole duration, samples the node's RSS every interval,
// and judges peak and flatness. It returns ErrSoakFailed on FAIL. Every
// process it starts is stopped, by PID, before it returns.
func Soak(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseSoakFlags(args, stderr)
	if err != nil {
		return err
	}
	wls, err := selectWorkloads(o.workload, true)
	if err != nil {
		return err
	}
	if len(wls) != 1 {
		return errors.New("-workload takes one workload")
	}
	w := wls[0]
	bin, err := findDynomite(o.dynomite)
	if err != nil {
		return fmt.Errorf("cannot find or build dynomite: %w", err)
	}
	var t *target
	if w.Protocol == bench.ProtoMemcacheText {
		t, err = startMemcachedProxyTarget("dyn-1-mc", bin)
	} else {
		t, err = startProxyTarget("dyn-1", "dynomite-go, 1 node, own redis-server", bin, o.redis, 1, "", nil)
	}
	if err != nil {
		return err
	}
	defer func() {
		if serr := t.stop(); serr != nil {
			err = errors.Join(err, fmt.Errorf("stopping %s: %w", t.name, serr))
		}
	}()
	node := t.measured[0]

	lim := defaultLimits(o.rssLimit, o.warmup)
	rep := soakReport{Started: time.Now().UTC(), CPU: perf.Detect(), Workload: w.Name, Duration: o.duration.String(),
		Interval: o.interval.String(), Dynomite: bin, Limits: lim}
	_, _ = rep.CPU.WriteTo(stdout)
	fmt.Fprintf(stdout, "target:   %s, %s (pid %d) in front of %s (pid %d), 127.0.0.1:%d\n",
		t.name, bin, node.PID(), t.stores[0].Name, t.stores[0].PID(), t.port)
	fmt.Fprintf(stdout, "workload: %s: %s, built-in generator\n", w.Name, w)
	fmt.Fprintf(stdout, "soak:     %v, the node's VmRSS every %v; warm-up %v\n", o.duration, o.interval, o.warmup)

	samples, res, err := soakLoad(ctx, w.Config(t.port, o.duration, o.keys), node.PID(), o.interval, stdout)
	hwm, herr := peakRSS(node.PID())
	if herr != nil {
		fmt.Fprintf(stderr, "cannot read the node's VmHWM: %v\n", herr)
	}
	rep.Samples = samples
	rep.Summary = summarizeSoak(samples, hwm, lim)
	if res != nil {
		rep.OpsSec, rep.Errors = res.Totals.OpsSec, res.Totals.Errors
		if res.FirstError != "" {
			fmt.Fprintf(stderr, "first error reply: %s\n", res.FirstError)
		}
	}
	writeSoakSummary(stdout, rep.Summary, lim, rep.OpsSec, rep.Errors)
	if path, werr := writeReport(o.out, "soak", rep.Started, &rep); werr != nil {
		err = errors.Join(err, werr)
	} else {
		fmt.Fprintf(stdout, "results:  %s\n", path)
	}
	switch {
	case ctx.Err() != nil:
		return errors.Join(err, fmt.Errorf("soak interrupted: the verdict is of a partial run: %w", ctx.Err()))
	case err != nil:
		return err
	case !rep.Summary.Pass:
		return ErrSoakFailed
	}
	return nil
}

// soakLoad runs the load of cfg and, every interval until it ends, samples
// the RSS of process pid and prints a progress line. A last sample is taken
// when the load ends, unless the previous one is less than half an interval
// old.
func soakLoad(ctx context.Context, cfg bench.Config, pid int, interval time.Duration, stdout io.Writer) ([]rssSample, *bench.Result, error) {
	defer generatorProcs(cfg.Threads)()
	type outcome struct {
		res *bench.Result
		err error
	}
	var tally bench.Tally
	done := make(chan outcome, 1)
	start := time.Now()
	go func() {
		res, err := bench.RunTally(ctx, cfg, nil, &tally)
		done <- outcome{res, err}
	}()
	tick := time.NewTicker(interval)
	defer tick.Stop()

	fmt.Fprintf(stdout, "\n%10s %10s %9s\n", "elapsed", "ops/s", "RSS MB")
	var samples []rssSample
	var rssErr error
	var prevAt time.Duration
	var prevOps int64
	take := func(now time.Time) {
		at, ops := now.Sub(start), tally.Ops()
		rss, err := enginetest.RSS(pid)
		if err != nil {
			if rssErr == nil {
				rssErr = fmt.Errorf("cannot read the node's RSS at %v: %w", at.Round(time.Second), err)
			}
			return
		}
		x := rssSample{At: at, RSS: rss, OpsSec: float64(ops-prevOps) / (at - prevAt).Seconds()}
		samples = append(samples, x)
		prevAt, prevOps = at, ops
		fmt.Fprintf(stdout, "%9.1fs %10.0f %9.1f\n", at.Seconds(), x.OpsSec, float64(rss)/mib)
	}
	for {
		select {
		case now := <-tick.C:
			take(now)
		case out := <-done:
			if now := time.Now(); now.Sub(start)-prevAt >= interval/2 {
				take(now)
			}
			return samples, out.res, errors.Join(out.err, rssErr)
		}
	}
}
