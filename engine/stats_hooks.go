package engine

import (
	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/route"
	"github.com/dynomite-go/dynomite/engine/stats"
)

// Stats of the request path (docs/compat.md §2.2, §7.3), and the node-state gate.
//
// Where each counter moves, along the life of one request:
//
//	client accepted     client_connections +1 (connection's shard)
//	request parsed      client_read_requests | client_write_requests
//	                    (by resp.FlagWrite; PING, QUIT, dyno_config not counted),
//	                    summed over the input batch (tally.Input)
//	forward             gate on the node state (docs/compat.md §4.8), tag the msg: arrival
//	                    time (one clock read per input batch), size, kind,
//	                    redis_req_* families
//	queued on server    in_queue(+bytes) +1, summed over the input batch and
//	                    added at its end with the client_out_queue depth
//	                    (statsInputDone)
//	batch sent (stamp)  read_requests | write_requests (+bytes), redis_req_*,
//	                    payload_size (writes); in_queue -> out_queue; send
//	                    time (the clock of the client input or datastore
//	                    read that led to the write: no read of its own); queue-depth
//	                    histograms. Summed over the batch, then added.
//	reply matched       out_queue -1, read_responses | write_responses (+bytes),
//	                    request latency, server latency, server queue wait
//	                    (one clock read per datastore read; summed over the
//	                    read and added to the shard at its end, statsFlush)
//	server conn closed  server_eof | server_err | server_timedout,
//	                    server_dropped_requests (+ server_timedout_requests),
//	                    server_ejects, server_ejected_at
//	client closed       client_connections -1, client_eof | client_err,
//	                    client_dropped_requests (requests left unanswered)
//
// Peers (stats_peer.go) count the same way on peer connections, and
// snapshots add what the node counts on its own atomics (stats_source.go):
// max_msgs refusals, peer reply mismatches and drops, pool sizes.
//
// The hooks of the accepted side (client accepted, request parsed, tag,
// client closed) are engine/inbound's (stats.go); the dialled side's are
// engine/outbound's, which asks the node for the client of a msg
// (statsOwner, clientStats).
//
// Every counter is an atomic add on the connection's stats.Shard (a
// connection gets one when it is created, round robin over the shards);
// nothing allocates. With stats off (Options.noStats, or a binary built
// with the nostats tag) the shard is nil and every hook returns at its
// first test.

// statsClock is the stats' clock, the node's clock: monotonic nanoseconds
// since the node was built, plus one so that it is never 0 (0 means "not
// stamped"). One monotonic read, cheaper than time.Now's wall and
// monotonic pair; the stats only ever subtract two of these.
func (n *Node) statsClock() int64 { return n.clock() }

// statsShard returns the shard of a new connection; nil with stats off.
func (n *Node) statsShard() *stats.Shard {
	if !n.adm.statsOn {
		return nil
	}
	return n.adm.reg.Shard(int(n.adm.shardSeq.Add(1)))
}

// clientOf returns the accepted connection whose request m is, or a copy
// of: its owner, or its fan-out's owner.
func clientOf(m *msg.Msg) *accepted {
	switch o := m.Owner.(type) {
	case *accepted:
		return o
	case *route.Fanout:
		return o.Owner()
	}
	return nil
}

// clientStats is outbound.Env.ClientStats: the stats of m's client conn.
func (n *Node) clientStats(m *msg.Msg) *core.Stats {
	if c := clientOf(m); c != nil {
		return &c.St
	}
	return nil
}

// statsOwner is outbound.Env.Owner; a msg of a client keeps its own
// arrival clock. A copy of a routed request queued on
// the local datastore is tagged here, by the kind the route gave it,
// without an arrival time: the client's latency is not the copy's. Only
// the client's input path (holding the client's inMu) queues msgs on the
// local datastore, so the client's input tally may be added to.
func (n *Node) statsOwner(m *msg.Msg, size int, peer bool) (*core.Stats, int64) {
	switch o := m.Owner.(type) {
	case *accepted:
		return &o.St, m.St.Start
	case *route.Fanout:
		c := o.Owner()
		if !peer && !m.St.Tagged {
			c.StatsTag(m, size)
			m.St.Start = 0
			m.St.Write = m.Write
		}
		return &c.St, o.Start()
	}
	return nil, 0
}
