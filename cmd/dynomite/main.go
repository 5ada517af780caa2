// Command dynomite is a Dynomite-compatible replicating proxy for Redis and
// Memcached: one node, configured by a Dynomite YAML file (package conf),
// served by package engine.
//
// The command only parses flags (flags.go), loads the configuration, wires
// the engine (node.go), handles signals (signals.go), the pid file and
// daemon mode (daemon*.go), and logs with log/slog (logging.go). The
// subcommand "repair" (repair.go) asks a running node for a warm-up or an
// anti-entropy check.
package main

import "os"

func main() {
	if isRepair(os.Args[1:]) {
		os.Exit(repairCommand(os.Args[2:], os.Stdout, os.Stderr))
	}
	applyMemoryLimit()
	applyProcs()
	os.Exit(run(os.Args[1:], os.Stderr, newEngineNode))
}
