// Command dynomite is a Dynomite-compatible replicating proxy for Redis and
// Memcached: one node, configured by a Dynomite YAML file (package conf),
// served by package engine.
//
// The command only parses flags (flags.go), loads the configuration, wires
// the engine (node.go), handles signals (signals.go), the pid file and
// daemon mode (daemon*.go), and logs with log/slog (logging.go).
package main

import "os"

func main() {
	applyMemoryLimit()
	applyProcs()
	os.Exit(run(os.Args[1:], os.Stderr, newEngineNode))
}
