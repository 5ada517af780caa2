// Command dynomite-bench is a memtier_benchmark-compatible load generator and
// the driver of the benchmark matrix and of the hot-path profiles.
//
//	dynomite-bench [memtier flags]     one load, memtier's progress line and totals table
//	dynomite-bench matrix [flags]      Redis direct vs dynomite-go, interleaved, medians
//	dynomite-bench soak [flags]        one node under load for minutes: RSS peak and flatness
//	dynomite-bench perf [flags]        micro-benchmarks with CPU and memory profile hot spots
//	dynomite-bench floor [flags]       the smallest forwarder to Redis or memcached, run by matrix
//	dynomite-bench node -c FILE        one node in this process, its seed provider polled every second (matrix -swap)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/dynomite-go/dynomite/bench"
	"github.com/dynomite-go/dynomite/bench/floor"
	"github.com/dynomite-go/dynomite/bench/matrix"
	"github.com/dynomite-go/dynomite/perf"
)

func main() {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	cancel()
	switch {
	case errors.Is(err, matrix.ErrSoakFailed):
		if err != matrix.ErrSoakFailed { // also an error stopping the processes
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1) // the verdict line says why
	case err != nil:
		if !errors.Is(err, bench.ErrHelp) && !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "matrix":
			return matrix.Main(ctx, args[1:], os.Stdout, os.Stderr)
		case "soak":
			return matrix.Soak(ctx, args[1:], os.Stdout, os.Stderr)
		case "perf":
			return perf.Main(ctx, args[1:], os.Stdout, os.Stderr)
		case "floor":
			return floor.Main(ctx, args[1:], os.Stdout, os.Stderr)
		case "node":
			return runNode(ctx, args[1:])
		}
	}
	cfg, err := bench.Parse(args)
	if errors.Is(err, bench.ErrHelp) {
		fmt.Print(bench.Usage)
		return err
	}
	if err != nil {
		return err
	}
	// memtier runs one OS thread per --threads; give the Go scheduler the same
	// number of processors so the generator takes the same share of the machine.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(min(cfg.Threads, runtime.NumCPU())))
	fmt.Fprintf(os.Stderr, "Writing results to stdout\n[RUN #1] Launching threads now...\n")
	res, err := bench.Run(ctx, cfg, os.Stderr)
	if err != nil {
		return err
	}
	res.WriteTable(os.Stdout)
	if cfg.JSONOutFile != "" {
		f, err := os.Create(cfg.JSONOutFile)
		if err != nil {
			return fmt.Errorf("cannot create JSON output: %w", err)
		}
		if err := res.WriteJSON(f); err != nil {
			f.Close()
			return fmt.Errorf("cannot write JSON output: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("cannot write JSON output: %w", err)
		}
	}
	if res.Totals.Errors > 0 {
		return fmt.Errorf("%d requests got error replies", res.Totals.Errors)
	}
	return nil
}

// splitHostPort splits "host:port", refusing an empty part.
func splitHostPort(addr string) (string, string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err == nil && (host == "" || port == "") {
		err = fmt.Errorf("want host:port")
	}
	return host, port, err
}
