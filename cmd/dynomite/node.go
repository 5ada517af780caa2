package main

import (
	"log/slog"
	"os"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine"
)

// newEngineNode builds the engine's node for cfg (a cluster node gets all
// its CPUs, clusterProcs), with the busy-poll bound of DYNOMITE_SPIN_US and
// the park bound of DYNOMITE_PARK_MS.
// The node's stats endpoint reports version and changes level
// (/setloglevel), and names the node from the process's environment
// (EC2_PUBLIC_IPV4 and the like, engine.Options.Getenv).
func newEngineNode(cfg *conf.Config, log *slog.Logger, adminMode int, level *logLevel) (node, error) {
	clusterProcs(cfg)
	spin, ok := spinOption(os.Getenv(spinEnv))
	if !ok {
		log.Warn("ignoring "+spinEnv+": not a whole number of microseconds", "value", os.Getenv(spinEnv))
	}
	park, ok := parkOption(os.Getenv(parkEnv))
	if !ok {
		log.Warn("ignoring "+parkEnv+": not a whole number of milliseconds", "value", os.Getenv(parkEnv))
	}
	return engine.New(engine.Options{Config: cfg, Logger: log, Pollers: procs, Spin: spin, Park: park,
		AdminMode: adminMode, LogLevel: level, Version: version, Getenv: os.Getenv})
}

// Level and SetLevel make *logLevel an engine.LogLevel.
func (l *logLevel) Level() int { return l.get() }

// SetLevel sets the level, clamped to 0..11.
func (l *logLevel) SetLevel(v int) { l.set(v) }
