// Package replica is the coordinator of dynomite-go: for a parsed request and a
// topology it decides where the request goes (Route), and for the replies that come
// back it decides what the client sees (Tracker).
//
// It is a deterministic state machine: no goroutines, sockets, clocks or logging.
// The engine feeds it requests and replies and carries out what it returns. It
// imports only the standard library; the topology comes in through the Topology
// interface, which *ring.Snapshot satisfies through a thin adapter in engine.
//
// Fan-out per consistency level (docs/compat.md §3.2), for any number of racks:
//
//	level               reads, local DC     reads, remote DCs   writes, local DC   writes, remote DCs        client waits for
//	DC_ONE              own-rack owner      -                   every rack owner   one node per DC, swallowed own-rack reply
//	DC_QUORUM           every rack owner    -                   every rack owner   one node per DC, swallowed quorum of local racks
//	DC_SAFE_QUORUM      every rack owner    -                   every rack owner   one node per DC, swallowed quorum with equal checksums
//	DC_EACH_SAFE_QUORUM every rack owner    every rack owner    every rack owner   every rack owner          safe quorum in every DC
//
// Quorum per DC is racks/2 + 1. Unlike C Dynomite, which forwards a
// DC_EACH_SAFE_QUORUM request once per remote rack and lets each receiver fan out
// again, this coordinator addresses every remote rack owner directly with DMSG_REQ.
//
// A Plan and a Tracker are owned by one request and are not safe for concurrent use.
package replica
