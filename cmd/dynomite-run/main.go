// Command dynomite-run is `make run`: it starts a local cluster of three
// racks in one datacenter, each rack one dynomite node in front of its own
// datastore (redis-server or memcached) on free loopback ports, prints where
// to point a client, and on Ctrl-C or SIGTERM stops every process it started
// (by PID) and removes its temporary directories.
//
//	dynomite-run [-data-store redis|memcached] [-racks N] [-dynomite PATH] [-v N]
//
// With -racks N it starts N nodes instead (default 3), one per rack, each with
// its own datastore and dyn_seeds naming the others, so every rack holds a
// full copy of the data; -racks 1 is a single node.
//
// Processes are started and stopped with package engine/enginetest, which the
// tests use too.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags.
type options struct {
	dataStore string
	racks     int
	dynomite  string
	verbosity int
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("dynomite-run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.dataStore, "data-store", "redis", "datastore behind each node: redis or memcached")
	fs.IntVar(&o.racks, "racks", 3, "number of racks (one node and one datastore each)")
	fs.StringVar(&o.dynomite, "dynomite", "", "dynomite binary (default: the one beside this program, else on PATH)")
	fs.IntVar(&o.verbosity, "v", 5, "dynomite log level, 0..11")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.dataStore != "redis" && o.dataStore != "memcached" {
		return o, fmt.Errorf("-data-store must be redis or memcached, not %q", o.dataStore)
	}
	if o.racks < 1 || o.racks > 16 {
		return o, fmt.Errorf("-racks must be between 1 and 16, not %d", o.racks)
	}
	return o, nil
}

// findDynomite returns the dynomite binary: the -dynomite flag, the file
// beside this program, or dynomite on PATH.
func findDynomite(flagPath string) (string, error) {
	if flagPath != "" {
		return flagPath, nil
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "dynomite")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath("dynomite")
	if err != nil {
		return "", fmt.Errorf("cannot find the dynomite binary (make build puts it in bin/; or pass -dynomite): %w", err)
	}
	return p, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err == flag.ErrHelp {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "dynomite-run: %v\n", err)
		return 2
	}
	bin, err := findDynomite(o.dynomite)
	if err != nil {
		fmt.Fprintf(stderr, "dynomite-run: %v\n", err)
		return 1
	}
	// Install the handler before anything starts, so Ctrl-C during startup
	// still stops what was started.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	c := &cluster{out: stdout}
	defer c.close(stderr)
	if err := c.start(o, bin, sigs); err != nil {
		fmt.Fprintf(stderr, "dynomite-run: %v\n", err)
		return 1
	}
	c.describe()
	fmt.Fprintln(stdout, "Ctrl-C stops everything.")
	return c.wait(sigs, stderr)
}
