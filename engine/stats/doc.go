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
// Concurrency: every method of Registry, Shard and Histogram may be called
// from any goroutine at any time. Increments and histogram records are
// atomic adds on per-shard, cache-line padded cells and allocate nothing;
// reads (Snapshot, Value) sum the shards and are only eventually consistent
// with concurrent writers. A snapshot is taken every stats_interval by the
// aggregator started with Registry.Run, or on demand.
package stats
