package inbound

import (
	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/stats"
	"github.com/dynomite-go/dynomite/engine/tally"
)

// The accepted half of the request path's stats (the engine's
// stats_hooks.go tells where each counter moves). Every counter is an
// atomic add on the connection's stats.Shard; with stats off the shard is
// nil and every hook returns at its first test.

// Open runs once for an accepted connection, before its first input: a
// client copies the node's consistency levels; the connection is counted
// in its kind's gauge.
func (c *Conn) Open() {
	if c.Kind.Client {
		c.rlevel, c.wlevel = c.env.Consistency()
	}
	if sh := c.St.Shard; sh != nil {
		sh.Inc(c.Kind.conns)
	}
}

// statsClosed runs once when an accepted connection closes, with Mu
// held, before its pending requests are released: a client's requests
// left unanswered count as dropped.
func (c *Conn) statsClosed() {
	sh := c.St.Shard
	if sh == nil {
		return
	}
	sh.Dec(c.Kind.conns)
	if c.Kind.Client {
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
		sh.Inc(c.Kind.errs)
	case !c.env.Closing.Load():
		sh.Inc(c.Kind.eof)
	}
}

// statsInput reads the clock once for a batch of input.
func (c *Conn) statsInput() {
	if c.St.Shard != nil {
		c.St.Now = c.env.Core.Clock()
	}
}

// countRequest counts one valid client request by kind, in the input
// batch's tally (statsInputDone adds it).
func (c *Conn) countRequest(cmd *resp.Command) {
	if c.St.Shard == nil || !c.Kind.Client {
		return
	}
	e := c.env
	switch {
	case cmd.Flags&resp.FlagWrite != 0:
		c.St.In.Writes++
	case cmd == e.cmdPing || cmd == e.cmdQuit || cmd == e.cmdConsistency:
	default:
		c.St.In.Reads++
	}
}

// countMemcache counts one client request by class in the input batch's
// tally, as countRequest does for Redis (statsInputDone adds it).
func (c *Conn) countMemcache(cmd memcache.Command) {
	if c.St.Shard == nil || !c.Kind.Client {
		return
	}
	switch {
	case cmd.Is(memcache.FlagWrite):
		c.St.In.Writes++
	case cmd.Is(memcache.FlagRead):
		c.St.In.Reads++
	}
}

// statsInputDone runs at the end of every input batch of a client or
// accepted peer conn (inMu held), before the batch's requests are written
// inline: it adds the batch's tally to the shard and records the depth of
// the connection's reply queue (client_out_queue_99,
// dnode_client_out_queue_99).
func (c *Conn) statsInputDone() {
	sh := c.St.Shard
	if sh == nil {
		return
	}
	c.St.In.Flush(sh)
	c.Mu.Lock()
	d := c.pending.Len()
	c.Mu.Unlock()
	sh.Observe(c.Kind.depth, int64(d))
}

// StatsTag records on m what the reply side needs: arrival time, size,
// kind and families of the request being handled. It runs before m is
// queued.
func (c *Conn) StatsTag(m *msg.Msg, size int) {
	if c.St.Shard == nil {
		return
	}
	cmd := c.Req.Cmd
	m.St.Start = c.St.Now
	m.St.Size = int64(size)
	m.St.Tagged = true
	m.St.Write = c.ReqWrite()
	if cmd == c.St.LastCmd {
		m.St.Fam = c.St.LastFam
		return
	}
	if fams := c.env.Families; fams != nil {
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

// Queues of the accepted peer connections, docs/compat.md §2.2
// dnode_client_*. They are read from the connections when a snapshot is
// taken, as the pool sizes are (the engine's stats_source.go), so the
// request path pays nothing for them and they are exact:
//
//	dnode_client_out_queue        requests a peer sent whose replies have not
//	                              gone back to it yet: the connection's reply
//	                              queue (pending), as the out queue of a dnode
//	                              client in C Dynomite; its depth is what
//	                              dnode_client_out_queue_99 samples
//	dnode_client_in_queue         of those, the ones still waiting for their
//	                              reply: queued on the local datastore
//	                              (DMSG_REQ) or on this DC's racks
//	                              (DMSG_REQ_FORWARD); C Dynomite never sets it
//	dnode_client_*_queue_bytes    the same requests' payload bytes (dnode
//	                              header excluded); a reply the node made up
//	                              (bad command, max_msgs) counts 0 bytes
//
// Both go back to 0 once the node is idle; a closed connection holds
// nothing.

// Queues adds what c, an accepted peer connection, holds to the
// dnode_client_* queues of v.
func (c *Conn) Queues(v *[stats.NumMetrics]int64) {
	c.Mu.Lock()
	for i := 0; i < c.pending.Len(); i++ {
		m := c.pending.At(i)
		v[stats.DnodeClientOutQueue]++
		v[stats.DnodeClientOutQueueBytes] += m.St.Size
		if !m.Done {
			v[stats.DnodeClientInQueue]++
			v[stats.DnodeClientInQueueBytes] += m.St.Size
		}
	}
	c.Mu.Unlock()
}

// FailLater is core.Sock.FailLater for an accepted connection, whose close
// ends a drain.
func (c *Conn) FailLater() {
	c.St.Failed.Store(true)
	c.CloseLater()
}
