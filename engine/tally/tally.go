// Package tally is the stats bookkeeping of the engine's request path: the
// sums a connection keeps over one batch (an input batch, a read of
// replies, a send) and adds to its stats.Shard with a few atomic adds at
// the batch's end, the send clocks of the batches in flight, what a
// message carries for the stats, and the metric sets a closing datastore or
// peer connection moves. It knows no connection and imports engine/stats
// only; where each counter moves along a request is told by the engine's
// stats hooks. Nothing here allocates in steady state.
package tally

import "github.com/dynomite-go/dynomite/engine/stats"

// Msg is what a message carries for the stats; cleared with the message.
type Msg struct {
	Start  int64    // arrival: clock of the client's input batch
	Sent   int64    // handed to a peer socket: clock of the batch
	Size   int64    // request frame bytes
	Tagged bool     // tagged by the input side: only tagged msgs are counted
	Peer   bool     // queued on a peer conn and counted there
	Write  bool     // a write (resp.FlagWrite)
	Fam    Families // redis_req_* counters of the command
}

// Families is the redis_req_* counters one command bumps: C Dynomite
// counts LREM, SUNION and the set commands in two families (docs/compat.md
// §2.2), and redis_req_sets, which C never updates, counts every set
// command.
type Families struct {
	M [3]stats.Metric
	N uint8
}

// Input is what one input batch of an accepted connection adds.
type Input struct {
	Reads, Writes int64 // client_read_requests, client_write_requests
	InQ, InQBytes int64 // requests queued on the datastore
}

// Flush adds t to sh and clears t.
func (t *Input) Flush(sh *stats.Shard) {
	if t.Reads > 0 {
		sh.Add(stats.ClientReadRequests, t.Reads)
	}
	if t.Writes > 0 {
		sh.Add(stats.ClientWriteRequests, t.Writes)
	}
	if t.InQ > 0 {
		sh.Add(stats.InQueue, t.InQ)
		sh.Add(stats.InQueueBytes, t.InQBytes)
	}
	*t = Input{}
}

// Run is a run of histogram values of one bucket not yet recorded.
type Run struct{ stats.Run }

// Add adds v to the run, recording the run before in h when v falls in
// another bucket.
func (r *Run) Add(sh *stats.Shard, h stats.Hist, v int64) {
	if !r.Run.Add(v) {
		sh.ObserveRun(h, &r.Run)
		r.Start(v)
	}
}

// Flush records the run in h.
func (r *Run) Flush(sh *stats.Shard, h stats.Hist) { sh.ObserveRun(h, &r.Run) }

// Reply is what the replies of one datastore read add: counters as plain
// sums, histograms as runs of values in one bucket (the replies to one
// pipelined batch share their latencies, neighbouring latencies share a
// bucket), so a read of many replies costs a few atomic adds instead of a
// dozen per reply.
type Reply struct {
	OutQ, OutQBytes    int64
	Reads, ReadBytes   int64
	Writes, WriteBytes int64
	runs               [3]Run // RequestLatency, ServerLatency, ServerQueueWait
}

// The histograms of Reply.Observe.
const (
	RequestLatency = iota
	ServerLatency
	ServerQueueWait
)

var replyHists = [3]stats.Hist{stats.RequestLatency, stats.ServerLatency, stats.ServerQueueWait}

// Observe adds v to histogram i (RequestLatency, ServerLatency,
// ServerQueueWait).
func (t *Reply) Observe(sh *stats.Shard, i int, v int64) {
	t.runs[i].Add(sh, replyHists[i], v)
}

// Flush adds t to sh and clears t; nothing when no reply was counted.
func (t *Reply) Flush(sh *stats.Shard) {
	if t.OutQ == 0 {
		return
	}
	sh.Add(stats.OutQueue, -t.OutQ)
	sh.Add(stats.OutQueueBytes, -t.OutQBytes)
	if t.Reads > 0 {
		sh.Add(stats.ReadResponses, t.Reads)
		sh.Add(stats.ReadResponseBytes, t.ReadBytes)
	}
	if t.Writes > 0 {
		sh.Add(stats.WriteResponses, t.Writes)
		sh.Add(stats.WriteResponseBytes, t.WriteBytes)
	}
	for i := range t.runs {
		t.runs[i].Flush(sh, replyHists[i])
	}
	*t = Reply{}
}

// numFamilies is the number of redis_req_* counters, which are
// consecutive in the metric table.
const numFamilies = int(stats.RedisReqOther-stats.RedisReqGet) + 1

// Send sums one batch of requests handed to the datastore.
type Send struct {
	Reads, ReadBytes   int64
	Writes, WriteBytes int64
	fams               [numFamilies]int64
	payload            Run
}

// Add counts the request m carries.
func (t *Send) Add(sh *stats.Shard, m *Msg) {
	if m.Write {
		t.Writes++
		t.WriteBytes += m.Size
		t.payload.Add(sh, stats.PayloadSize, m.Size)
	} else {
		t.Reads++
		t.ReadBytes += m.Size
	}
	for i := uint8(0); i < m.Fam.N; i++ {
		t.fams[m.Fam.M[i]-stats.RedisReqGet]++
	}
}

// Flush adds t to sh and clears t.
func (t *Send) Flush(sh *stats.Shard) {
	if t.Reads > 0 {
		sh.Add(stats.ReadRequests, t.Reads)
		sh.Add(stats.ReadRequestBytes, t.ReadBytes)
	}
	if t.Writes > 0 {
		sh.Add(stats.WriteRequests, t.Writes)
		sh.Add(stats.WriteRequestBytes, t.WriteBytes)
	}
	for i, n := range t.fams {
		if n > 0 {
			sh.Add(stats.RedisReqGet+stats.Metric(i), n)
		}
	}
	t.payload.Flush(sh, stats.PayloadSize)
	*t = Send{}
}

// Peer is what the replies of one read of a peer conn add.
type Peer struct {
	OutQ, OutQBytes int64
	Resp, RespBytes int64
	RTT             Run
}

// Flush adds t to sh, under pm's metrics, and clears t.
func (t *Peer) Flush(sh *stats.Shard, pm *PeerMetrics) {
	if t.OutQ == 0 {
		return
	}
	sh.Add(pm.OutQ, -t.OutQ)
	sh.Add(pm.OutQBytes, -t.OutQBytes)
	if t.Resp > 0 {
		sh.Add(stats.PeerResponses, t.Resp)
		sh.Add(stats.PeerResponseBytes, t.RespBytes)
	}
	t.RTT.Flush(sh, pm.RTT)
	*t = Peer{}
}
