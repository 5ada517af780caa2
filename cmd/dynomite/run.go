package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/stats"
)

// version is dynomite-go's own release number. The C Dynomite it is
// compatible with is v0.6.21; tools that parse "This is dynomite-" get this.
const version = "0.1.0"

// shutdownTimeout bounds the graceful shutdown after SIGINT or SIGTERM: the
// time in-flight requests get to finish.
const shutdownTimeout = 5 * time.Second

// node is what the command needs of the engine's *Node.
type node interface {
	Start() error
	Shutdown(ctx context.Context) error
}

// nodeFunc builds a node from a validated configuration. level is the
// process's log level, which the node's stats endpoint may change.
type nodeFunc func(cfg *conf.Config, log *slog.Logger, adminMode int, level *logLevel) (node, error)

// run is the whole command; it returns the exit code.
func run(args []string, stderr io.Writer, newNode nodeFunc) int {
	o, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "dynomite: %v\n", err)
		fmt.Fprint(stderr, usage)
		return 1
	}
	if o.version {
		return showVersion(o, stderr)
	}
	if o.testConf {
		return testConf(o.confFile, stderr)
	}
	return serve(o, args, stderr, newNode)
}

// showVersion handles -V, -h and -D, which Dynomite treats as one case.
func showVersion(o options, stderr io.Writer) int {
	fmt.Fprintf(stderr, "This is dynomite-%s\n\n", version)
	if o.help {
		fmt.Fprint(stderr, usage)
	}
	if o.describeStats {
		if err := stats.Describe(stderr); err != nil {
			return 1
		}
	}
	return 0
}

// testConf is -t: docs/compat.md §2.1, without the crash. The specific problems come
// first, one per line.
func testConf(path string, stderr io.Writer) int {
	cfg, warns, err := conf.Load(path)
	if err == nil {
		err = cfg.CheckPemKey()
	}
	for _, w := range warns {
		if w.Key == "stats_listen" {
			// Dynomite logs this default to its log, never to -t's
			// stderr; a running node logs it.
			continue
		}
		fmt.Fprintf(stderr, "dynomite: warning: %s\n", w)
	}
	if err != nil {
		printLines(stderr, err)
		invalid := fmt.Sprintf("dynomite: configuration file '%s' syntax is invalid\n", path)
		if conf.AfterParse(err) {
			// Dynomite's loader and its -t both print the line for these.
			fmt.Fprint(stderr, invalid)
		}
		fmt.Fprint(stderr, invalid)
		return 1
	}
	fmt.Fprintf(stderr, "dynomite: configuration file '%s' syntax is valid\n", path)
	return 0
}

func printLines(w io.Writer, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(w, "dynomite: %s\n", line)
	}
}

// serve runs the node until SIGINT or SIGTERM.
func serve(o options, args []string, stderr io.Writer, newNode nodeFunc) int {
	ready := daemonChild()
	cfg, warns, err := conf.Load(o.confFile)
	if err != nil {
		printLines(stderr, err)
		fmt.Fprintf(stderr, "dynomite: configuration file '%s' syntax is invalid\n", o.confFile)
		ready.fail(err)
		return 1
	}
	if err := cfg.CheckPemKey(); err != nil {
		printLines(stderr, err)
		ready.fail(err)
		return 1
	}
	if o.daemonize && ready == nil {
		return daemonize(withoutDaemonize(args), stderr)
	}
	level := newLogLevel(o.verbosity)
	sink, err := openSink(o.output, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "dynomite: %v\n", err)
		ready.fail(err)
		return 1
	}
	defer sink.Close()
	log := slog.New(newLineHandler(sink, &level.lv))
	for _, w := range warns {
		log.Warn(w.String())
	}
	applyDeprecatedFlags(cfg, o, log)

	sigs := notifySignals()
	defer sigs.stop()
	log.Info(fmt.Sprintf("dynomite-%s built for %s %s started on pid %d", version, runtime.GOOS, runtime.GOARCH, os.Getpid()))

	n, err := startNode(cfg, log, o.adminOp, level, newNode)
	if err != nil {
		log.Error(err.Error())
		ready.fail(err)
		return 1
	}
	if o.pidFile != "" {
		if err := writePidFile(o.pidFile); err != nil {
			log.Error(err.Error())
			ready.fail(err)
			shutdown(n, log)
			return 1
		}
		defer removePidFile(o.pidFile, log)
	}
	ready.ok()
	sigs.wait(level, sink, log, n)
	shutdown(n, log)
	log.Info("done, rabbit done")
	return 0
}

func startNode(cfg *conf.Config, log *slog.Logger, adminOp int, level *logLevel, newNode nodeFunc) (node, error) {
	n, err := newNode(cfg, log, adminOp, level)
	if err != nil {
		return nil, fmt.Errorf("cannot create node: %w", err)
	}
	if err := n.Start(); err != nil {
		return nil, fmt.Errorf("cannot start node: %w", err)
	}
	return n, nil
}

// shutdown stops the node, giving in-flight requests shutdownTimeout.
func shutdown(n node, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := n.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Warn(fmt.Sprintf("shutdown did not finish cleanly: %v", err))
	}
}

// applyDeprecatedFlags applies -m and -M where the file does not set
// mbuf_size and max_msgs (the file wins, as in Dynomite).
func applyDeprecatedFlags(cfg *conf.Config, o options, log *slog.Logger) {
	if o.mbufSize > 0 {
		log.Warn("option -m is deprecated; use mbuf_size in the configuration file")
		if !cfg.IsSet("mbuf_size") {
			cfg.Pool.MbufSize = o.mbufSize
		}
	}
	if o.maxMsgs > 0 {
		log.Warn("option -M is deprecated; use max_msgs in the configuration file")
		if !cfg.IsSet("max_msgs") {
			cfg.Pool.MaxMsgs = o.maxMsgs
		}
	}
}

// writePidFile writes the pid as Dynomite does: decimal, no newline.
func writePidFile(path string) error {
	if err := os.WriteFile(path, []byte(fmt.Sprint(os.Getpid())), 0o644); err != nil {
		return fmt.Errorf("cannot write pid file: %w", err)
	}
	return nil
}

func removePidFile(path string, log *slog.Logger) {
	if err := os.Remove(path); err != nil {
		log.Warn(fmt.Sprintf("cannot remove pid file: %v", err))
	}
}
