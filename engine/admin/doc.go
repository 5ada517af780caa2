// Package admin serves the stats/admin HTTP endpoint of a node on
// stats_listen (docs/compat.md §7): /info and /cluster_describe in C Dynomite's
// exact JSON, the control paths (/set_consistency, /state/..., /peer/...,
// /setloglevel, /set_timeout_factor, /read_repairs, /historeset, ...), and
// GET /metrics in the Prometheus text format. It uses net/http; there is
// no hand-written HTTP parsing.
//
// It reads counters from an *stats.Registry and reaches the node only
// through the Node interface defined here, which the engine implements.
// It also owns the node State enum (docs/compat.md §6.1), which the engine imports.
//
// Imports: the standard library, engine/stats, replica (the consistency
// Level enum) and the Prometheus client. It must not import engine:
// the engine imports admin, never the other way.
//
// Concurrency: handlers run on net/http's goroutines, concurrently with
// each other and with request traffic. Every Node method must be safe for
// that (atomics in the engine). Handlers that change node settings hold one
// mutex, so read-modify-write changes such as /loglevelup do not lose
// updates; reads take no lock.
package admin
