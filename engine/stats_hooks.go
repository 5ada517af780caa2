package engine

import (
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/stats"
	"github.com/dynomite-go/dynomite/replica"
)

// Stats of the request path (docs/compat.md §2.2, §7.3), and the node-state gate.
//
// Where each counter moves, along the life of one request:
//
//	client accepted     client_connections +1 (connection's shard)
//	request parsed      client_read_requests | client_write_requests
//	                    (by resp.FlagWrite; PING, QUIT, dyno_config not counted),
//	                    summed over the input batch (inputTally)
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

// connStats is a connection's stats bookkeeping.
type connStats struct {
	shard *stats.Shard // nil when stats are off
	// now is the clock of the current input batch (statsClock):
	// set by the input side (client: under inMu; server: on the poller).
	now int64
	// failed: the node closes the connection because of an error (write
	// failure, malformed input, bad reply); otherwise a close is an EOF.
	failed atomic.Bool
	// lastCmd and lastFam cache the family lookup of the previous request
	// (input side): pipelines tend to repeat one command.
	lastCmd *resp.Command
	lastFam familySet
	// tally sums the replies of the current datastore read (server conn,
	// poller only); statsFlush adds it to the shard at the end of the read.
	tally replyTally
	// in sums what the current input batch adds (client and peer-in
	// conns, under inMu); statsInputDone adds it at the end of the batch.
	in inputTally
	// peer sums the replies of the current read of a peer conn (poller
	// only), added by statsFlush.
	peer peerTally
	// send sums the requests queued on a datastore conn since its last
	// send (s.mu held): statsQueued adds each msg while it is fresh in
	// the cache, statsStamp adds the sum when the batch goes out.
	send sendTally
	// sent holds the send clock of the batches in fifo order (datastore
	// conn, s.mu held), so that a send touches no msg: a reply takes the
	// clock of the oldest batch.
	sent sentLog
}

// sentLog is a queue of runs of consecutive fifo msgs handed to the socket
// at one clock. Its slice is reused, so a steady load allocates nothing.
type sentLog struct {
	b    []sentBatch
	head int
}

type sentBatch struct {
	n  int   // msgs of the batch not yet answered
	at int64 // node clock of the send
}

// push records a batch of n msgs sent at clock at.
func (l *sentLog) push(n int, at int64) {
	if l.head == len(l.b) {
		l.b, l.head = l.b[:0], 0
	} else if l.head > 0 && len(l.b) == cap(l.b) {
		l.b = l.b[:copy(l.b, l.b[l.head:])]
		l.head = 0
	}
	l.b = append(l.b, sentBatch{n: n, at: at})
}

// pop returns the send clock of the oldest msg sent and unanswered, and
// forgets that msg; 0 when none is recorded.
func (l *sentLog) pop() int64 {
	if l.head == len(l.b) {
		return 0
	}
	e := &l.b[l.head]
	e.n--
	if e.n <= 0 {
		l.head++
	}
	return e.at
}

// reset forgets every batch (the connection closed).
func (l *sentLog) reset() { l.b, l.head = l.b[:0], 0 }

// inputTally is what one input batch adds to the stats.
type inputTally struct {
	reads, writes int64 // client_read_requests, client_write_requests
	inQ, inQBytes int64 // requests queued on the datastore
}

// replyTally is what the replies of one datastore read add to the stats:
// counters as plain sums, histograms as runs of values in one bucket (the
// replies to one pipelined batch share their latencies, neighbouring
// latencies share a bucket), so a read of many replies costs a few atomic
// adds instead of a dozen per reply.
type replyTally struct {
	outQ, outQBytes    int64
	reads, readBytes   int64
	writes, writeBytes int64
	runs               [3]histRun // RequestLatency, ServerLatency, ServerQueueWait
}

// histRun is a run of values of one bucket not yet recorded (stats.Run).
type histRun struct{ stats.Run }

// add adds v to the run, recording the run before in h when v falls in
// another bucket.
func (r *histRun) add(sh *stats.Shard, h stats.Hist, v int64) {
	if !r.Add(v) {
		r.next(sh, h, v)
	}
}

// next records the run in h and starts the next one with v.
func (r *histRun) next(sh *stats.Shard, h stats.Hist, v int64) {
	sh.ObserveRun(h, &r.Run)
	r.Start(v)
}

// flush records the run in h.
func (r *histRun) flush(sh *stats.Shard, h stats.Hist) { sh.ObserveRun(h, &r.Run) }

// numFamilies is the number of redis_req_* counters, which are
// consecutive in the metric table.
const numFamilies = int(stats.RedisReqOther-stats.RedisReqGet) + 1

// sendTally sums one batch of requests handed to the datastore.
type sendTally struct {
	reads, readBytes   int64
	writes, writeBytes int64
	fams               [numFamilies]int64
	payload            histRun
}

func (t *sendTally) add(sh *stats.Shard, m *msg) {
	if m.st.write {
		t.writes++
		t.writeBytes += m.st.size
		t.payload.add(sh, stats.PayloadSize, m.st.size)
	} else {
		t.reads++
		t.readBytes += m.st.size
	}
	for i := uint8(0); i < m.st.fam.n; i++ {
		t.fams[m.st.fam.m[i]-stats.RedisReqGet]++
	}
}

func (t *sendTally) flush(sh *stats.Shard) {
	if t.reads > 0 {
		sh.Add(stats.ReadRequests, t.reads)
		sh.Add(stats.ReadRequestBytes, t.readBytes)
	}
	if t.writes > 0 {
		sh.Add(stats.WriteRequests, t.writes)
		sh.Add(stats.WriteRequestBytes, t.writeBytes)
	}
	for i, n := range t.fams {
		if n > 0 {
			sh.Add(stats.RedisReqGet+stats.Metric(i), n)
		}
	}
	t.payload.flush(sh, stats.PayloadSize)
}

var tallyHists = [3]stats.Hist{stats.RequestLatency, stats.ServerLatency, stats.ServerQueueWait}

// observe adds v to run i.
func (t *replyTally) observe(sh *stats.Shard, i int, v int64) {
	t.runs[i].add(sh, tallyHists[i], v)
}

// msgStats is what a msg carries for the stats; reset with the msg.
type msgStats struct {
	start  int64     // arrival: clock of the client's input batch
	sent   int64     // handed to a peer socket: clock of the batch
	size   int64     // request frame bytes
	tagged bool      // statsTag ran: only tagged msgs are counted
	peer   bool      // queued on a peer conn and counted there (stats_peer.go)
	write  bool      // resp.FlagWrite
	fam    familySet // redis_req_* counters of the command
}

// familySet is the redis_req_* counters one command bumps: C Dynomite
// counts LREM, SUNION and the set commands in two families (docs/compat.md §2.2),
// and redis_req_sets, which C never updates, counts every set command.
type familySet struct {
	m [3]stats.Metric
	n uint8
}

// statsClock is the stats' clock, the node's clock: monotonic nanoseconds
// since the node was built, plus one so that it is never 0 (0 means "not
// stamped"). One monotonic read, cheaper than time.Now's wall and
// monotonic pair; the stats only ever subtract two of these.
func (n *Node) statsClock() int64 { return n.clock() }

// batchClock is the clock read for the input batch being handled on c (a
// client's input, a datastore read), so that a write it leads to needs no
// read of its own; 0 with stats off (nothing read it).
func (c *sockCore) batchClock() int64 {
	if c.st.shard == nil {
		return 0
	}
	return c.st.now
}

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
	if sh := c.st.shard; sh != nil {
		sh.Inc(c.kind.conns)
	}
}

// statsClientClosed runs once when an accepted connection closes, with mu
// held, before its pending requests are released: a client's requests
// left unanswered count as dropped.
func (c *accepted) statsClientClosed() {
	sh := c.st.shard
	if sh == nil {
		return
	}
	sh.Dec(c.kind.conns)
	if c.kind.client {
		var dropped int64
		for i := 0; i < c.pending.Len(); i++ {
			if !c.pending.At(i).done {
				dropped++
			}
		}
		if dropped > 0 {
			sh.Add(stats.ClientDroppedRequests, dropped)
		}
	}
	switch {
	case c.st.failed.Load():
		sh.Inc(c.kind.errs)
	case !c.node.closing.Load():
		sh.Inc(c.kind.eof)
	}
}

// statsInput reads the clock once for a batch of client input.
func (c *accepted) statsInput() {
	if c.st.shard != nil {
		c.st.now = c.node.statsClock()
	}
}

// countRequest counts one valid client request by kind, in the input
// batch's tally (statsInputDone adds it).
func (c *accepted) countRequest(cmd *resp.Command) {
	if c.st.shard == nil || !c.kind.client {
		return
	}
	n := c.node
	switch {
	case cmd.Flags&resp.FlagWrite != 0:
		c.st.in.writes++
	case cmd == n.adm.ping || cmd == n.cmdQuit || cmd == n.cmdConsistency:
	default:
		c.st.in.reads++
	}
}

// statsInputDone runs at the end of every input batch of a client or
// accepted peer conn (inMu held), before the batch's requests are written
// inline: it adds the batch's tally to the shard and records the depth of
// the connection's reply queue (client_out_queue_99,
// dnode_client_out_queue_99).
func (c *accepted) statsInputDone() {
	sh := c.st.shard
	if sh == nil {
		return
	}
	t := &c.st.in
	if t.reads > 0 {
		sh.Add(stats.ClientReadRequests, t.reads)
	}
	if t.writes > 0 {
		sh.Add(stats.ClientWriteRequests, t.writes)
	}
	if t.inQ > 0 {
		sh.Add(stats.InQueue, t.inQ)
		sh.Add(stats.InQueueBytes, t.inQBytes)
	}
	*t = inputTally{}
	c.mu.Lock()
	d := c.pending.Len()
	c.mu.Unlock()
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
func (c *accepted) statsTag(m *msg, size int) {
	if c.st.shard == nil {
		return
	}
	cmd := c.req.Cmd
	m.st.start = c.st.now
	m.st.size = int64(size)
	m.st.tagged = true
	m.st.write = c.reqWrite()
	if cmd == c.st.lastCmd {
		m.st.fam = c.st.lastFam
		return
	}
	if fams := c.node.adm.families; fams != nil {
		key := cmd
		if key.Parent != nil {
			key = key.Parent
		}
		f, ok := fams[key]
		if !ok {
			f = familySet{m: [3]stats.Metric{stats.RedisReqOther}, n: 1}
		}
		m.st.fam = f
		c.st.lastCmd, c.st.lastFam = cmd, f
	}
}

// statsQueued counts m, a frame of size bytes just queued on server or
// peer conn s (s.mu held). On a datastore conn m counts in in_queue,
// through the tally of its client's input batch: only the client's input
// path (the caller, holding the client's inMu) queues msgs on the local
// datastore, a single node's requests and, in a cluster, the local copies
// of routed requests (retries and failovers go to other racks and DCs).
// A local copy is tagged here, by the kind the route gave it, without an
// arrival time: the client's latency is not the copy's. On a peer conn
// see statsPeerQueued.
func (s *dialled) statsQueued(m *msg, size int) {
	if s.kind.peer {
		s.statsPeerQueued(m, size)
		return
	}
	if s.kind.peer || m.owner == nil {
		return
	}
	if !m.st.tagged && m.fan != nil {
		m.owner.statsTag(m, size)
		m.st.start = 0
		m.st.write = m.write
	}
	if !m.st.tagged {
		return
	}
	t := &m.owner.st.in
	t.inQ++
	t.inQBytes += m.st.size
	s.st.send.add(s.st.shard, m)
}

// statsStamp runs when the requests queued at the tail of fifo (the
// unstamped ones) are handed to the socket at clock now, with s.mu held:
// they count as sent to the datastore (read_requests, write_requests, their
// bytes, redis_req_*, payload_size), move from in_queue to out_queue, and
// their batch's send time is logged for the replies (sentLog). The batch
// was summed as it was queued (statsQueued) and is added with a few atomic
// adds, without touching its msgs.
func (s *dialled) statsStamp(now int64) {
	sh := s.st.shard
	if sh == nil || s.unstamped == 0 {
		return
	}
	if s.kind.peer {
		s.statsPeerStamp()
		return
	}
	if s.kind.peer {
		return
	}
	s.st.sent.push(s.unstamped, now)
	t := &s.st.send
	k, bytes := t.reads+t.writes, t.readBytes+t.writeBytes
	t.flush(sh)
	*t = sendTally{}
	sh.Add(stats.InQueue, -k)
	sh.Add(stats.InQueueBytes, -bytes)
	sh.Add(stats.OutQueue, k)
	sh.Add(stats.OutQueueBytes, bytes)
	sh.Observe(stats.ServerInQueueDepth, k)
	sh.Observe(stats.ServerOutQueueDepth, int64(s.fifo.Len()))
}

// statsServerInput reads the clock once for a batch of datastore replies.
func (s *dialled) statsServerInput() {
	if s.st.shard != nil {
		s.st.now = s.node.statsClock()
	}
}

// statsReply counts the reply of size bytes matched to m, sent at clock
// sent (0: not logged), before m is handed to its client (which may
// release it).
func (s *dialled) statsReply(m *msg, size int, sent int64) {
	sh := s.st.shard
	if sh == nil || !m.st.tagged || s.kind.peer {
		return
	}
	now, t := s.st.now, &s.st.tally
	t.outQ++
	t.outQBytes += m.st.size
	if m.st.write {
		t.writes++
		t.writeBytes += int64(size)
	} else {
		t.reads++
		t.readBytes += int64(size)
	}
	if m.st.start != 0 { // 0: arrived on a path that reads no input clock
		t.observe(sh, 0, (now-m.st.start)/1000)
	}
	if sent != 0 {
		t.observe(sh, 1, (now-sent)/1000)
		if m.st.start != 0 {
			t.observe(sh, 2, (sent-m.st.start)/1000)
		}
	}
}

// statsFlush adds the tally of the datastore read that just ended to the
// shard. It runs on the poller at the end of every read, and when the
// connection closes.
func (s *dialled) statsFlush() {
	sh, t := s.st.shard, &s.st.tally
	if sh != nil && s.kind.peer {
		s.statsPeerFlush()
		return
	}
	if sh == nil || t.outQ == 0 {
		return
	}
	sh.Add(stats.OutQueue, -t.outQ)
	sh.Add(stats.OutQueueBytes, -t.outQBytes)
	if t.reads > 0 {
		sh.Add(stats.ReadResponses, t.reads)
		sh.Add(stats.ReadResponseBytes, t.readBytes)
	}
	if t.writes > 0 {
		sh.Add(stats.WriteResponses, t.writes)
		sh.Add(stats.WriteResponseBytes, t.writeBytes)
	}
	for i := range t.runs {
		t.runs[i].flush(sh, tallyHists[i])
	}
	*t = replyTally{}
}

// statsServerClosed runs once when a server conn closes, before the
// requests on it are failed: fifo holds them, oldest first, the last
// s.unstamped of them never handed to the socket.
func (s *dialled) statsServerClosed() {
	sh := s.st.shard
	if sh != nil && s.kind.peer {
		s.statsPeerClosed()
		return
	}
	if sh == nil || s.kind.peer {
		return
	}
	s.statsFlush()
	s.st.send = sendTally{} // queued, never sent: not counted as sent
	s.st.sent.reset()
	// Untagged msgs were never counted in the gauges, but every request
	// on the conn is dropped.
	s.statsClosed(&serverCloseMetrics, func(m *msg) bool { return m.st.tagged }, int64(s.fifo.Len()))
}

// statsClosed moves the msgs a closing conn still holds, those counted
// reports, out of its queue gauges, counts dropped requests (dropped, or
// when negative the counted msgs), the timed-out ones, why the conn closed
// and the eject. Callers hold the closing connection.
func (s *dialled) statsClosed(cm *closeMetrics, counted func(*msg) bool, dropped int64) {
	sh := s.st.shard
	in, out, inBytes, outBytes := s.queuedOnClose(counted)
	if dropped < 0 {
		dropped = in + out
	}
	sh.Add(cm.outQ, -out)
	sh.Add(cm.outQBytes, -outBytes)
	sh.Add(cm.inQ, -in)
	sh.Add(cm.inQBytes, -inBytes)
	sh.Add(cm.dropped, dropped)
	closing := s.node.closing.Load()
	switch {
	case s.timedOut:
		sh.Inc(cm.timedout)
		sh.Add(cm.timedoutReqs, out)
	case s.st.failed.Load():
		sh.Inc(cm.err)
	case !closing:
		sh.Inc(cm.eof)
	}
	if !closing {
		sh.Inc(cm.ejects)
		sh.SetTimestamp(cm.ejectedAt, time.Now().UnixMilli())
	}
}

// queuedOnClose tallies the msgs of fifo that counted satisfies: out are
// those handed to the socket, in the last s.unstamped ones, never sent.
// Callers hold the closing connection (no more sends or replies).
func (s *dialled) queuedOnClose(counted func(*msg) bool) (in, out, inBytes, outBytes int64) {
	firstUnsent := s.fifo.Len() - s.unstamped
	for i := 0; i < s.fifo.Len(); i++ {
		m := s.fifo.At(i)
		switch {
		case !counted(m):
		case i < firstUnsent:
			out++
			outBytes += m.st.size
		default:
			in++
			inBytes += m.st.size
		}
	}
	return in, out, inBytes, outBytes
}

// failLater marks the connection as closed because of an error (for
// client_err and server_err) and closes it like closeLater.
func (c *sockCore) failLater() {
	c.st.failed.Store(true)
	c.closeLater()
}

// failLater is sockCore.failLater for an accepted connection, whose close
// ends a drain.
func (c *accepted) failLater() {
	c.st.failed.Store(true)
	c.closeLater()
}

// markFailed marks the connection as closed because of an error; the
// caller arranges the close.
func (c *sockCore) markFailed() { c.st.failed.Store(true) }

// redisFamilies maps Redis commands to their redis_req_* counters, as C
// Dynomite counts them (docs/compat.md §2.2); commands not in the map count in
// redis_req_other. redis_req_sets, never updated by C, counts every command
// of the set type in addition.
func redisFamilies() map[*resp.Command]familySet {
	fams := make(map[*resp.Command]familySet)
	add := func(m stats.Metric, names ...string) {
		for _, name := range names {
			cmd := resp.Lookup([]byte(name))
			if cmd == nil {
				continue
			}
			f := fams[cmd]
			f.m[f.n] = m
			f.n++
			fams[cmd] = f
		}
	}
	add(stats.RedisReqGet, "get")
	add(stats.RedisReqSet, "set")
	add(stats.RedisReqDel, "del")
	add(stats.RedisReqIncrDecr, "incr", "decr")
	add(stats.RedisReqKeys, "keys")
	add(stats.RedisReqMget, "mget")
	add(stats.RedisReqScan, "scan")
	add(stats.RedisReqSort, "sort")
	add(stats.RedisReqPing, "ping")
	add(stats.RedisReqLreqm, "lrem")
	add(stats.RedisReqLists, "lrem", "lrange", "lset", "ltrim", "lindex", "lpushx")
	add(stats.RedisReqSunion, "sunion")
	add(stats.RedisReqSet, "sunion", "setbit", "setex", "setrange", "sadd", "sdiff", "sdiffstore",
		"sinter", "sinterstore", "srem", "sunionstore", "sscan")
	add(stats.RedisReqHashes, "hincrby", "hincrbyfloat", "hset", "hsetnx")
	add(stats.RedisReqSortedsets, "zadd", "zinterstore", "zrange", "zrangebyscore", "zrem", "zrevrange",
		"zrevrangebyscore", "zunionstore", "zscan", "zcount", "zincrby", "zlexcount", "zrangebylex",
		"zremrangebyrank", "zremrangebyscore", "zremrangebylex", "zrevrangebylex")
	// Set commands C counts nowhere but redis_req_other keep that count.
	add(stats.RedisReqOther, "scard", "sismember", "smismember", "smembers", "smove", "spop",
		"srandmember", "sintercard")
	add(stats.RedisReqSets, "sadd", "scard", "sdiff", "sdiffstore", "sinter", "sintercard", "sinterstore",
		"sismember", "smismember", "smembers", "smove", "spop", "srandmember", "srem", "sscan",
		"sunion", "sunionstore")
	return fams
}
