package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dynomite-go/dynomite/perf"
)

// setup are the flags the matrix and the soak share: the programs to run,
// the key range and where the JSON goes.
type setup struct {
	dynomite string
	redis    string
	keys     uint64
	out      string
}

func (s *setup) register(fs *flag.FlagSet) {
	fs.StringVar(&s.dynomite, "dynomite", "", "dynomite binary (default: dynomite next to this binary, else a build of ./cmd/dynomite)")
	fs.StringVar(&s.redis, "redis-server", "", "redis-server binary (default: on PATH)")
	fs.Uint64Var(&s.keys, "key-maximum", 100000, "key range of every run, so that gets hit once keys are set")
	fs.StringVar(&s.out, "out", filepath.Join("bench", "results"), "directory of the JSON result file")
}

// parse registers the shared flags on fs, parses args and refuses
// positional arguments.
func (s *setup) parse(fs *flag.FlagSet, args []string) error {
	s.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// options are the matrix's flags.
type options struct {
	setup
	reps      int
	duration  time.Duration
	tool      string
	memtier   string
	cluster   bool
	memcached bool   // also memcached direct vs one node with data_store 1
	statsCost bool   // also run dyn-1-nostats
	floor     bool   // also run the floor forwarder (bench/floor)
	noStats   string // dynomite binary built with -tags nostats
	workloads string
	// baseline is another dynomite binary (absolute path), run as a twin of
	// every node target; "" for none.
	baseline string
	// dynomiteC is C Dynomite's binary, run as a twin of every node target
	// (c-*); "" for none.
	dynomiteC string
	// twemproxy is nutcracker's binary (a name is looked up on PATH), run
	// as a twin of the single-node targets (twem-*); "" for none. twemBin is
	// its path once found (startTargets), "" until then or when missing.
	twemproxy string
	twemBin   string
	direct    bool // run the datastores direct (redis, memcached)
	secure    bool // the secure group (secure.go)
	swap      bool // the swap group (swap.go)
	converge  bool // the convergence group (converge.go)
	pubsub    bool // the pub/sub group (pubsub.go)
	pubRate   int  // -pubsub: messages published per second
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("dynomite-bench matrix", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.reps, "reps", 3, "repetitions of every workload and target (interleaved)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "length of one run (whole seconds for memtier_benchmark)")
	fs.StringVar(&o.tool, "tool", "", "load tool: builtin, memtier or redis-benchmark (default: memtier when found, else builtin)")
	fs.StringVar(&o.memtier, "memtier", os.Getenv("MEMTIER"), "memtier_benchmark binary (default: $MEMTIER, else memtier_benchmark on PATH)")
	fs.BoolVar(&o.cluster, "cluster", false, "also run 3 racks x 1 node at DC_ONE and DC_QUORUM")
	fs.BoolVar(&o.memcached, "memcached", false, "also run memcached direct vs one node in front of memcached (workload mc-mix)")
	fs.BoolVar(&o.statsCost, "stats-cost", false, "also run dyn-1-nostats (a build with the stats off) and report dyn-1 / dyn-1-nostats")
	fs.StringVar(&o.noStats, "dynomite-nostats", "", "dynomite binary built with -tags nostats, for -stats-cost (default: dynomite-nostats next to this binary, else a build)")
	fs.BoolVar(&o.floor, "floor", true, "also run the smallest forwarder (dynomite-bench floor, this executable) in front of its own datastore: what any proxy process costs on this machine (-floor=false leaves it out)")
	fs.StringVar(&o.baseline, "baseline", "", "another dynomite binary (e.g. a build of main) started exactly like the node under test, as one more target next to every node target (base-1, base-3-*, base-1-mc), with a ratio node/baseline per workload")
	fs.StringVar(&o.dynomiteC, "dynomite-c", os.Getenv("DYNOMITE_C"), "C Dynomite's binary (default: $DYNOMITE_C), started with the node's YAML as one more target next to every node target (c-1, c-3-*, c-1-mc), with a ratio node/C per workload")
	fs.StringVar(&o.twemproxy, "twemproxy", "nutcracker", "twemproxy's binary (Debian package nutcracker), run in front of its own datastore next to the single node (twem-1, twem-1-mc), with a ratio node/twemproxy per workload; \"\" leaves it out")
	fs.BoolVar(&o.direct, "direct", true, "also run the datastores direct (redis, and memcached with -memcached), the reference of the ratio column (-direct=false leaves them out)")
	fs.BoolVar(&o.secure, "secure", false, "also run the secure group: enc-3-quorum (secure_server_option: all), ptls-3-quorum (peer_tls) next to dyn-3-quorum, ctls-1 (client_tls) next to dyn-1, and report secure / plain on the mix")
	fs.BoolVar(&o.swap, "swap", false, "also run the swap group: flo-3 (3 racks, DC_QUORUM, florida seeds polled every second) and swap-3 (the same with a ring swap every second), and report swap-3 / flo-3 on the mix and the requests lost")
	fs.BoolVar(&o.converge, "convergence", false, "also run the convergence group after the matrix: clients' p99 during a rate-limited warm-up vs none, and unthrottled warm-up keys/s vs redis-cli --pipe restoring the same keys")
	fs.BoolVar(&o.pubsub, "pubsub", false, "also run the pub/sub group after the matrix: -pub-rate messages/s published through one node of 3 racks to 100 subscribers spread over the 3 nodes")
	fs.IntVar(&o.pubRate, "pub-rate", 10000, "-pubsub: messages published per second")
	fs.StringVar(&o.workloads, "workloads", "all", "comma-separated workloads: mix, pipe16, 1k, mix-2x4, pipe16-2x4, 1k-2x4, fanin, latency (mc-mix with -memcached)")
	if err := o.setup.parse(fs, args); err != nil {
		return o, err
	}
	switch {
	case o.reps < 1 || o.reps > 20:
		return o, errors.New("-reps must be between 1 and 20")
	case o.duration < time.Second || o.duration > time.Minute:
		return o, errors.New("-duration must be between 1s and 1m")
	case o.pubRate < 1 || o.pubRate > 1000000:
		return o, errors.New("-pub-rate must be between 1 and 1000000")
	}
	// A node runs in its own directory, where a relative path would not
	// resolve; a bare name is looked up on PATH.
	for _, p := range []*string{&o.baseline, &o.dynomite, &o.noStats, &o.dynomiteC, &o.twemproxy} {
		if !strings.ContainsRune(*p, filepath.Separator) {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return o, fmt.Errorf("cannot resolve %s: %w", *p, err)
		}
		*p = abs
	}
	return o, nil
}

// pickTool chooses the load tool.
func pickTool(o options, dir string) (tool, error) {
	switch o.tool {
	case "builtin":
		return builtin{}, nil
	case "redis-benchmark":
		p, err := exec.LookPath("redis-benchmark")
		if err != nil {
			return nil, fmt.Errorf("cannot find redis-benchmark (Debian package redis-tools): %w", err)
		}
		return redisBenchmark{path: p}, nil
	case "memtier", "":
		p := o.memtier
		if p == "" {
			p, _ = exec.LookPath("memtier_benchmark")
		}
		if p != "" {
			return memtier{path: p, dir: dir}, nil
		}
		if o.tool == "memtier" {
			return nil, errors.New("cannot find memtier_benchmark: give -memtier PATH or MEMTIER")
		}
		return builtin{}, nil
	}
	return nil, fmt.Errorf("unknown -tool %q (builtin, memtier, redis-benchmark)", o.tool)
}

// report is the JSON file written under -out.
type report struct {
	Started time.Time `json:"started"`
	CPU     perf.Info `json:"cpu"`
	// AESHardware tells whether the CPU has AES instructions (AES-NI,
	// or ARMv8's), which crypto/aes uses for peer encryption and TLS.
	AESHardware bool     `json:"aes_hardware"`
	Tool        string   `json:"tool"`
	Reps        int      `json:"reps"`
	Duration    string   `json:"duration"`
	Targets     []string `json:"targets"`
	Samples     []sample `json:"samples"`
	Medians     []row    `json:"medians"`
	// StatsCost compares dyn-1 with dyn-1-nostats (-stats-cost).
	StatsCost []costRow `json:"stats_cost,omitempty"`
	// Baseline is the -baseline binary; Versus compares every node with its
	// twin running it.
	Baseline string    `json:"baseline,omitempty"`
	Versus   []baseRow `json:"versus_baseline,omitempty"`
	// Secure compares the secure group's targets with plain (-secure).
	Secure []secureRow `json:"secure,omitempty"`
	// Swap compares swap-3 with flo-3 (-swap).
	Swap *swapRow `json:"swap,omitempty"`
	// Convergence is the -convergence group's result.
	Convergence *convergeResult `json:"convergence,omitempty"`
	// PubSub is the -pubsub group's result.
	PubSub *pubsubResult `json:"pubsub,omitempty"`
}

// Main runs the matrix with the given flags, printing progress to stderr and
// the table to stdout. Every process it starts is stopped before it returns.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	wls, err := selectWorkloads(o.workloads, o.memcached)
	if err != nil {
		return err
	}
	if o.baseline != "" {
		p, err := exec.LookPath(o.baseline)
		if err != nil {
			return fmt.Errorf("cannot use -baseline: %w", err)
		}
		o.baseline = p
	}
	if o.dynomiteC != "" {
		p, err := exec.LookPath(o.dynomiteC)
		if err != nil {
			return fmt.Errorf("cannot use -dynomite-c: %w", err)
		}
		o.dynomiteC = p
	}
	tmp, err := os.MkdirTemp("", "dynomite-bench-")
	if err != nil {
		return fmt.Errorf("cannot create a temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	tl, err := pickTool(o, tmp)
	if err != nil {
		return err
	}
	rep := report{Started: time.Now().UTC(), CPU: perf.Detect(), Tool: tl.name(), Reps: o.reps, Duration: o.duration.String(),
		Baseline: o.baseline}
	_, _ = rep.CPU.WriteTo(stdout)
	rep.AESHardware = aesHardware(rep.CPU)
	fmt.Fprintln(stdout, aesLine(rep.AESHardware))
	fmt.Fprintf(stdout, "load:     %s; %d reps x %s per run, targets interleaved\n", tl.name(), o.reps, o.duration)
	if o.reps < 3 {
		fmt.Fprintln(stdout, "note:     fewer than 3 reps: the medians are single runs or pairs, not robust")
	}

	targets, err := startTargets(ctx, o, tmp, stdout, stderr)
	defer func() {
		for _, t := range targets {
			if err := t.stop(); err != nil {
				fmt.Fprintf(stderr, "stopping %s: %v\n", t.name, err)
			}
		}
	}()
	if err != nil {
		return err
	}
	for _, t := range targets {
		rep.Targets = append(rep.Targets, t.name)
		fmt.Fprintf(stdout, "target:   %-13s %s, 127.0.0.1:%d\n", t.name, t.desc, t.port)
	}
	for _, w := range wls {
		fmt.Fprintf(stdout, "workload: %-13s %s\n", w.Name, w)
	}
	runs := countRuns(wls, targets, o.reps)
	fmt.Fprintf(stdout, "plan:     %d runs x %s = %s of load, targets in a rotating order every rep\n", runs, o.duration,
		time.Duration(runs)*o.duration)
	fmt.Fprintln(stdout)

	rep.Samples, err = runAll(ctx, o, tl, wls, targets, stderr)
	var names []string
	for _, w := range wls {
		names = append(names, w.Name)
	}
	rep.Medians = summarize(rep.Samples, names, rep.Targets)
	writeTable(stdout, rep.Medians)
	fmt.Fprintln(stdout, "\nmedians over reps; ratio = ops/s over the datastore direct (redis, or memcached for mc-*) in the same rep;")
	if o.baseline != "" {
		fmt.Fprintln(stdout, "vs base = ops/s of a node over its twin base-* (the -baseline binary) in the same rep;")
	}
	if slices.ContainsFunc(rep.Targets, func(t string) bool { return strings.HasPrefix(t, "c-") }) {
		fmt.Fprintln(stdout, "vs C = ops/s of a node over its twin c-* (C Dynomite, the same YAML) in the same rep;")
	}
	if slices.ContainsFunc(rep.Targets, func(t string) bool { return strings.HasPrefix(t, "twem-") }) {
		fmt.Fprintln(stdout, "vs twem = ops/s of a single node over twem-* (twemproxy in front of its own datastore) in the same rep;")
	}
	fmt.Fprintln(stdout, "+p50/+p99 = latency added over the datastore direct;")
	fmt.Fprintln(stdout, "cpu µs/op = CPU time of the measured processes (the datastore when direct, every node for proxies) per request;")
	fmt.Fprintln(stdout, "coord µs/op = of the process the load talks to; replica µs/op = of each other node of a cluster (mean);")
	fmt.Fprintln(stdout, "redis µs/op = CPU time of every datastore process of the target per request (fewer, larger writes from a proxy lower it).")
	if o.statsCost {
		rep.StatsCost = statsCost(rep.Samples, names)
		writeStatsCost(stdout, rep.StatsCost)
	}
	if o.baseline != "" {
		rep.Versus = compareBaseline(rep.Samples, names, rep.Targets)
		writeBaseline(stdout, o.baseline, o.reps, rep.Versus)
	}
	if o.secure {
		rep.Secure = secureReport(rep.Samples)
		writeSecure(stdout, rep.Secure)
	}
	if o.swap {
		swaps, ring := int64(0), int64(-1)
		for _, t := range targets {
			if t.name == swapTarget && t.swaps != nil {
				swaps, ring = t.swaps.Load(), ringSwaps(t.measured[0].StatsAddr)
			}
		}
		row := swapReport(rep.Samples, swaps, ring)
		rep.Swap = &row
		writeSwap(stdout, row)
	}
	if o.converge && err == nil {
		var c convergeResult
		c, err = runConvergence(ctx, o, tmp, stderr)
		rep.Convergence = &c
		writeConvergence(stdout, c)
	}
	if o.pubsub && err == nil {
		var p pubsubResult
		p, err = runPubSub(ctx, o, stderr)
		rep.PubSub = &p
		writePubSub(stdout, p)
	}
	path, werr := writeReport(o.out, "matrix", rep.Started, &rep)
	if werr != nil {
		return errors.Join(err, werr)
	}
	fmt.Fprintf(stdout, "results:  %s\n", path)
	toolName, _, _ := strings.Cut(tl.name(), " (")
	title := fmt.Sprintf("%s, %s, %d reps x %s", rep.Started.Format("2006-01-02 15:04"), toolName, o.reps, o.duration)
	charts, cerr := writeChart(o.out, strings.TrimSuffix(filepath.Base(path), ".json"), title, rep.Medians)
	for _, c := range charts {
		fmt.Fprintf(stdout, "chart:    %s\n", c)
	}
	if cerr != nil {
		fmt.Fprintf(stdout, "chart:    none: %v\n", cerr)
	}
	return err
}

// startTargets starts the targets of o in the order of targetSpecs. A target
// that cannot start is left out with a one-line note on stdout (the whole
// error goes to stderr); when Redis direct was asked for and cannot start,
// there is no matrix. It stops starting targets when ctx is done, and
// returns the ones it started with ctx's error.
func startTargets(ctx context.Context, o options, tmp string, stdout, stderr io.Writer) ([]*target, error) {
	leftOut := func(name string, err error) {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		fmt.Fprintf(stdout, "target:   %-13s left out: %s\n", name, firstLine(err))
	}
	bin, err := findDynomite(o.dynomite)
	if err != nil {
		leftOut("dyn-*", fmt.Errorf("cannot find or build dynomite: %w", err))
		bin = ""
	}
	var noStats string
	if o.statsCost && bin != "" {
		if noStats, err = findNoStats(o.noStats, tmp); err != nil {
			leftOut(noStatsTarget, fmt.Errorf("cannot find or build dynomite with -tags nostats: %w", err))
			noStats = ""
		}
	}
	if o.twemproxy != "" {
		if o.twemBin, err = findTwemproxy(o.twemproxy); err != nil {
			leftOut("twem-*", err)
		}
	}
	specs := targetSpecs(o, bin, noStats)
	if o.secure {
		ss, err := writeSecureFiles(tmp)
		if err != nil {
			return nil, err
		}
		specs = append(specs, secureSpecs(ss, bin, o.cluster)...)
	}
	if o.swap {
		specs = append(specs, swapSpecs(bin)...)
	}
	var targets []*target
	for _, s := range specs {
		if err := ctx.Err(); err != nil {
			return targets, err
		}
		t, err := startTarget(s, o.redis, tmp)
		if err != nil {
			if s.kind == redisDirect {
				return targets, err
			}
			leftOut(s.name, err)
			continue
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// startTarget starts the processes of s.
func startTarget(s spec, redisPath, tmp string) (*target, error) {
	var t *target
	var err error
	switch s.kind {
	case redisDirect:
		t, err = startRedisTarget(redisPath)
	case memcachedDirect:
		t, err = startMemcachedTarget()
	case redisNodes:
		t, err = startProxyTarget(s.name, s.desc, s.bin, redisPath, s.racks, s.consistency, s.extra)
	case memcachedNode:
		t, err = startMemcachedProxyTarget(s.name, s.bin)
	case redisFloor:
		t, err = startFloorTarget(redisPath, false)
	case memcachedFloor:
		t, err = startFloorTarget("", true)
	case redisFloorCluster:
		t, err = startFloorClusterTarget(s, redisPath)
	case twemRedis:
		t, err = startTwemproxyTarget(s.name, s.bin, redisPath, tmp, false)
	case twemMemcached:
		t, err = startTwemproxyTarget(s.name, s.bin, "", tmp, true)
	case floridaNodes:
		t, err = startFloridaTarget(s, redisPath, tmp)
	default:
		err = fmt.Errorf("unknown target kind %d", s.kind)
	}
	if err != nil {
		return nil, err
	}
	t.desc, t.twin, t.tls = s.desc, s.twin, s.clientTLS
	if err := clusterReady(t, 10*time.Second); err != nil {
		if len(t.measured) > 0 {
			st := "unknown"
			if r, gerr := adminClient.Get("http://" + t.measured[0].StatsAddr + "/state/get_state"); gerr == nil {
				b, _ := io.ReadAll(io.LimitReader(r.Body, 256))
				r.Body.Close()
				st = strings.TrimSpace(string(b))
			}
			err = fmt.Errorf("%w; first node %s (%s), output:\n%s", err, st, t.measured[0].LogFile(), t.measured[0].Log())
		}
		return nil, errors.Join(err, t.stop())
	}
	return t, nil
}

// countRuns returns the number of runs of the matrix: every workload, rep
// and target of the workload's protocol.
func countRuns(wls []Workload, targets []*target, reps int) int {
	n := 0
	for _, w := range wls {
		for _, t := range targets {
			if t.protocol == w.Protocol {
				n += reps
			}
		}
	}
	return n
}

// runAll runs every workload: for each repetition, every target in turn, in
// the order of runOrder.
func runAll(ctx context.Context, o options, tl tool, wls []Workload, targets []*target, stderr io.Writer) ([]sample, error) {
	var samples []sample
	for _, w := range wls {
		for rep := 1; rep <= o.reps; rep++ {
			for _, t := range runOrder(targets, rep) {
				if t.protocol != w.Protocol {
					continue
				}
				if err := ctx.Err(); err != nil {
					return samples, err
				}
				s := runOne(ctx, tl, w, t, rep, o)
				samples = append(samples, s)
				if s.Err != "" {
					fmt.Fprintf(stderr, "%-8s %-13s rep %d: %s\n", w.Name, t.name, rep, s.Err)
					continue
				}
				fmt.Fprintf(stderr, "%-8s %-13s rep %d: %9.0f ops/s  p50 %.3f ms  p99 %.3f ms  max %.3f ms  cpu %.2f µs/op (coord %.2f, replica %.2f)  redis %.2f µs/op\n",
					w.Name, t.name, rep, s.Load.OpsSec, s.Load.P50, s.Load.P99, s.Load.Max, s.CPUPerOp, s.CoordCPUPerOp, s.ReplicaCPUPerOp, s.StoreCPUPerOp)
			}
		}
	}
	return samples, nil
}

// runOne runs one load and measures the target's processes around it.
func runOne(ctx context.Context, tl tool, w Workload, t *target, rep int, o options) sample {
	s := sample{Workload: w.Name, Target: t.name, Rep: rep}
	measured, stores := pids(t.measured), pids(t.stores)
	before, err := readTimes(cpuTime, measured, stores)
	if err == nil {
		cfg := w.Config(t.port, o.duration, o.keys)
		if t.tls != nil {
			cfg.TLS, cfg.TLSCACert, cfg.TLSCert, cfg.TLSKey = true, t.tls.CA, t.tls.Cert, t.tls.Key
		}
		s.Load, err = tl.run(ctx, cfg)
	}
	if err == nil {
		var after cpuTimes
		if after, err = readTimes(cpuTime, measured, stores); err == nil {
			k := perRequest(before, after, measured, stores, s.Load.Requests)
			s.CPUPerOp, s.StoreCPUPerOp, s.CoordCPUPerOp, s.ReplicaCPUPerOp = k.Total, k.Store, k.Coord, k.Replica
			s.Replicas = len(measured) - 1
		}
	}
	for _, pid := range measured {
		if rss, rerr := peakRSS(pid); rerr == nil {
			s.PeakRSS = max(s.PeakRSS, rss)
		}
	}
	if err != nil {
		s.Err = err.Error()
	}
	return s
}

// firstLine returns the first line of err's text.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimSuffix(s, "; output:")
}

// writeReport writes rep as indented JSON to dir/kind-STARTED.json and
// returns the path.
func writeReport(dir, kind string, started time.Time, rep any) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cannot create %s: %w", dir, err)
	}
	path := filepath.Join(dir, kind+"-"+started.Format("20060102-150405")+".json")
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return "", fmt.Errorf("cannot encode results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("cannot write results: %w", err)
	}
	return path, nil
}
