package engine

import (
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/stats"
	"github.com/dynomite-go/dynomite/engine/tally"
	"github.com/dynomite-go/dynomite/replica"
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

// statsOpen runs once for an accepted connection, before its first input:
// a client copies the node's consistency levels; the connection is counted
// in its kind's gauge.
func (c *accepted) statsOpen() {
	if c.kind.client {
		c.rlevel, c.wlevel = c.node.Consistency()
	}
	if sh := c.St.Shard; sh != nil {
		sh.Inc(c.kind.conns)
	}
}

// statsClientClosed runs once when an accepted connection closes, with mu
// held, before its pending requests are released: a client's requests
// left unanswered count as dropped.
func (c *accepted) statsClientClosed() {
	sh := c.St.Shard
	if sh == nil {
		return
	}
	sh.Dec(c.kind.conns)
	if c.kind.client {
		var dropped int64
		for i := 0; i < c.pending.Len(); i++ {
			if !c.pending.At(i).Done {
				dropped++
			}
		}
		if dropped > 0 {
			sh.Add(stats.ClientDroppedRequests, dropped)
		}
	}
	switch {
	case c.St.Failed.Load():
		sh.Inc(c.kind.errs)
	case !c.node.closing.Load():
		sh.Inc(c.kind.eof)
	}
}

// statsInput reads the clock once for a batch of client input.
func (c *accepted) statsInput() {
	if c.St.Shard != nil {
		c.St.Now = c.node.statsClock()
	}
}

// countRequest counts one valid client request by kind, in the input
// batch's tally (statsInputDone adds it).
func (c *accepted) countRequest(cmd *resp.Command) {
	if c.St.Shard == nil || !c.kind.client {
		return
	}
	n := c.node
	switch {
	case cmd.Flags&resp.FlagWrite != 0:
		c.St.In.Writes++
	case cmd == n.adm.ping || cmd == n.cmdQuit || cmd == n.cmdConsistency:
	default:
		c.St.In.Reads++
	}
}

// statsInputDone runs at the end of every input batch of a client or
// accepted peer conn (inMu held), before the batch's requests are written
// inline: it adds the batch's tally to the shard and records the depth of
// the connection's reply queue (client_out_queue_99,
// dnode_client_out_queue_99).
func (c *accepted) statsInputDone() {
	sh := c.St.Shard
	if sh == nil {
		return
	}
	c.St.In.Flush(sh)
	c.Mu.Lock()
	d := c.pending.Len()
	c.Mu.Unlock()
	sh.Observe(c.kind.depth, int64(d))
}

// rejectByState answers the current request with the invalid-state error
// when the node's state does not allow it on the local datastore (docs/compat.md
// §4.8): NORMAL executes everything; WRITES_ONLY and RESUMING execute
// writes only; STANDBY, and every other state (where C Dynomite stalls the
// request), execute nothing.
func (c *accepted) rejectByState() bool {
	st := admin.State(c.node.adm.state.Load())
	if st == admin.Normal {
		return false
	}
	var ok bool
	if c.reqWrite() {
		ok = st.AllowsWrite()
	} else {
		ok = st.AllowsRead()
	}
	if ok {
		return false
	}
	c.local(c.node.proto.codeReply(replica.InvalidState))
	return true
}

// statsTag records on m what the reply side needs: arrival time, size,
// kind and families of the current request. It runs before m is queued.
func (c *accepted) statsTag(m *msg.Msg, size int) {
	if c.St.Shard == nil {
		return
	}
	cmd := c.req.Cmd
	m.St.Start = c.St.Now
	m.St.Size = int64(size)
	m.St.Tagged = true
	m.St.Write = c.reqWrite()
	if cmd == c.St.LastCmd {
		m.St.Fam = c.St.LastFam
		return
	}
	if fams := c.node.adm.families; fams != nil {
		key := cmd
		if key.Parent != nil {
			key = key.Parent
		}
		f, ok := fams[key]
		if !ok {
			f = tally.Families{M: [3]stats.Metric{stats.RedisReqOther}, N: 1}
		}
		m.St.Fam = f
		c.St.LastCmd, c.St.LastFam = cmd, f
	}
}

// clientOf returns the accepted connection whose request m is, or a copy
// of: its owner, or its fan-out's owner.
func clientOf(m *msg.Msg) *accepted {
	switch o := m.Owner.(type) {
	case *accepted:
		return o
	case *fanout:
		return o.owner
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
	case *fanout:
		c := o.owner
		if !peer && !m.St.Tagged {
			c.statsTag(m, size)
			m.St.Start = 0
			m.St.Write = m.Write
		}
		return &c.St, o.start
	}
	return nil, 0
}

// FailLater is core.Sock.FailLater for an accepted connection, whose close
// ends a drain.
func (c *accepted) FailLater() {
	c.St.Failed.Store(true)
	c.CloseLater()
}
