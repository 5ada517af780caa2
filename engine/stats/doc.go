// Package stats owns the node's metrics: the table of every pool and
// datastore metric of C Dynomite (names, kinds, descriptions, in C's order),
// the lock-free sharded counters that the engine bumps on the hot path, the
// latency and size histograms, and the periodic snapshot that /info and
// /metrics read. It also writes the `-D` description.
//
// The table in table.go is the one place a metric is defined: it drives the
// counters, Describe, the /info JSON (engine/admin) and the Prometheus
// collector.
//
// Imports: only the standard library and github.com/klauspost/cpuid/v2
// (cache-line size). It must not import engine, engine/admin, replica, ring,
// codec or conf: the engine imports stats, never the other way.
//
// Concurrency: every method of Registry and Shard may be called from any
// goroutine at any time. Increments and histogram records are atomic adds
// on per-shard, cache-line padded cells and allocate nothing; a gauge's
// per-shard cell may go negative (a connection opened on one shard and
// closed on another), only the sum means something. Reads (Snapshot,
// Value) sum the shards and are exact once writers pause. A snapshot is
// published every stats_interval by Registry.Run, or by Latest when the
// last one is older than that; /metrics sums the shards at scrape time.
// A Source installed by the engine (SetSource) adds, to every snapshot,
// what the engine keeps outside the shards: pool sizes computed at
// snapshot time and counters of rare events kept on its own atomics.
package stats
