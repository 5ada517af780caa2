package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine"
)

// runNode is `dynomite-bench node -c FILE [-seed-interval D] [-florida
// HOST:PORT]`: one node in this process, built from the YAML as the
// dynomite command builds it, but with a seed provider polled every
// -seed-interval (the installed binary polls every 30 s). -florida points
// florida_provider at HOST:PORT. It serves until ctx is done, then shuts
// the node down.
func runNode(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("dynomite-bench node", flag.ContinueOnError)
	file := fs.String("c", "", "node configuration (dynomite YAML)")
	interval := fs.Duration("seed-interval", time.Second, "seed provider poll period")
	florida := fs.String("florida", "", "host:port of the florida seed service")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" || fs.NArg() > 0 {
		return errors.New("usage: dynomite-bench node -c FILE [-seed-interval D] [-florida HOST:PORT]")
	}
	if *interval <= 0 || *interval > time.Hour {
		return fmt.Errorf("cannot use -seed-interval %v: want more than 0 and at most 1h", *interval)
	}
	cfg, _, err := conf.Load(*file)
	if err != nil {
		return fmt.Errorf("cannot load %s: %w", *file, err)
	}
	getenv, err := floridaEnv(*florida)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	n, err := engine.New(engine.Options{Config: cfg, Logger: log, Getenv: getenv,
		Membership: engine.MembershipOptions{SeedInterval: *interval}})
	if err != nil {
		return fmt.Errorf("cannot create node: %w", err)
	}
	if err := n.Start(); err != nil {
		return fmt.Errorf("cannot start node: %w", err)
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.Shutdown(sctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("cannot shut the node down cleanly: %w", err)
	}
	return nil
}

// floridaEnv returns the environment the node sees: the florida service's
// address from addr ("" for the process's own environment).
func floridaEnv(addr string) (func(string) string, error) {
	if addr == "" {
		return os.Getenv, nil
	}
	host, port, err := splitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("cannot use -florida %q: %w", addr, err)
	}
	return func(k string) string {
		switch k {
		case "DYNOMITE_FLORIDA_IP":
			return host
		case "DYNOMITE_FLORIDA_PORT":
			return port
		}
		return os.Getenv(k)
	}, nil
}
