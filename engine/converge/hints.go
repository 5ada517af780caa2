// Package converge is a node's convergence glue: hinted handoff (a
// write a peer missed is kept by key and replayed once the peer is back),
// rack repair and warm-up. The node fills Env; the router records hints
// through HintWrite.
package converge

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/cluster"
	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/hints"
	"github.com/dynomite-go/dynomite/engine/hints/rackrepair"
	"github.com/dynomite-go/dynomite/engine/hints/replay"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/replica"
)

// Hinted handoff: the writes a peer missed, kept by key and copied to it
// once it is back (engine/hints).
//
//	fanout.send: a peer copy of a write not queued (link down, refused,
//	             queue full)                              ─┐
//	fanout.Answer: a peer copy of a write failed (timeout, ├─▶ hint(peer, keys)
//	             closed), answered with an error, or      │    Store.Add + Flush
//	             answered after `timeout` (msg.Msg.Late)  ─┘
//	                                                            (before the
//	                                                            client's ack
//	                                                            when known then)
//	pump (every hintPoll): a peer with hints and a live link ─▶ replayer
//	replayer: Pending ─▶ DUMP+PTTL on the local datastore ─▶ RESTORE ... REPLACE
//	          (or DEL) sent to the peer on its own link (dnode DMSG_REQ)
//	          ─▶ Done for each key applied; Release and retry later otherwise
//
// A hint names its target by the peer's dyn_seeds address, so hints kept
// in the file across a restart find their peer again. With no hints_dir
// the Store is nil: nothing is copied or recorded and a write costs one
// nil test. Memcached nodes keep no hints (replay covers Redis only here).
//
// A copy that reaches its peer late (a link that stalled and came back
// before the copy's own deadline, which for a write is `timeout` plus 20
// s) is applied there, but a relative expiry then counts from its late
// arrival: its key is hinted too, and the replay puts the coordinator's
// value and expiry over it. A peer connection closed on a timeout is
// reset (outbound), so the failed, hinted copies still in its socket
// never reach the peer after their replay.
//
// The copy of a key is its current value, so replaying a key twice is
// harmless and counters are never applied twice. A write that lands on
// the local datastore after the DUMP of a key and reaches the target
// before its RESTORE is overwritten by the older value; the window is one
// batch round trip (see the repair notes in docs).

// Replay bounds.
const (
	hintPoll     = 200 * time.Millisecond // how often the pump looks for work
	hintBatch    = 64                     // keys per replay round trip
	hintWait     = 10 * time.Second       // most a replay batch waits for the peer
	hintBackoff  = time.Second            // pause of a replayer after a failed batch
	hintFailStop = 3                      // failed batches in a row before a replayer quits
)

// Env is what convergence uses of its node; the node fills it before
// Init and changes none of it afterwards.
type Env struct {
	Log         *slog.Logger
	Cfg         *conf.Config
	DialTimeout time.Duration
	Core        *core.Env
	Msgs        *msg.Pool
	Topo        *atomic.Pointer[cluster.Topology]
	State       *atomic.Uint32 // admin.State of the local node
	Closing     *atomic.Bool
	Memcache    bool // the node speaks memcached: no hints, no warm-up
}

// Convergence is a node's hinted handoff and repair state.
type Convergence struct {
	Env
	repair *rackrepair.Runner
	hints  *hints.Store // nil: hinted handoff is off
	lim    replay.Limiter

	mu      sync.Mutex
	running map[string]bool // targets with a replayer
	stop    chan struct{}   // closed by Stop
	wg      sync.WaitGroup  // the pump and the replayers

	sent     atomic.Int64 // keys copied to a peer by hint replay
	failed   atomic.Int64 // replay batches that failed
	repaired atomic.Int64 // keys copied by repair runs that ended

	// ReadRepairs counts repair writes sent to stale replicas (engine/route).
	ReadRepairs atomic.Int64
}

// Init builds the repair runner and opens the hint file. Called
// by New.
func (n *Convergence) Init() error {
	n.initRepair()
	p := &n.Cfg.Pool
	n.stop = make(chan struct{})
	n.running = map[string]bool{}
	if p.HintsDir == "" || n.Memcache {
		return nil
	}
	t := n.Topo.Load()
	if t == nil || t.Solo {
		return nil
	}
	s, err := hints.Open(hints.Options{Dir: p.HintsDir, MaxCount: p.HintsMaxCount, MaxBytes: int64(p.HintsMaxBytes)})
	if err != nil {
		return fmt.Errorf("cannot open the hints: %w", err)
	}
	n.hints = s
	n.lim = replay.NewLimiter(p.RepairRate, hintBatch)
	if st := s.Stats(); st.Pending > 0 || st.TornBytes > 0 {
		n.Log.Info("hints loaded", "pending", st.Pending, "torn_bytes", st.TornBytes)
	}
	return nil
}

// Start starts the warm-up at start (when configured) and the
// hint pump. Called by Start.
func (n *Convergence) Start() {
	n.startWarmUp()
	if n.hints == nil {
		return
	}
	n.wg.Add(1)
	go n.hintPump()
}

// Stop stops a repair run, the pump and the replayers, and
// closes the hint file. Called by Shutdown; safe on a node never started.
func (n *Convergence) Stop() {
	c := n
	c.repair.Close()
	c.mu.Lock()
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	c.mu.Unlock()
	c.wg.Wait()
	if c.hints != nil {
		if err := c.hints.Close(); err != nil {
			n.Log.Warn("cannot close the hints", "err", err)
		}
	}
}

// HintWrite records that peer tg missed the write frame (a request of the
// node's protocol) and writes the record before returning. Called under
// the fanout's lock, on a poller; only on a failure, never for a write
// every replica took.
func (n *Convergence) HintWrite(t *cluster.Topology, tg replica.Target, frame []byte) {
	s := n.hints
	if s == nil || tg.Node == t.Local() || tg.Node < 0 || tg.Node >= len(t.Peers) || t.Peers[tg.Node] == nil {
		return
	}
	var (
		p   resp.Parser
		req resp.Request
		idx [8]int
	)
	if _, err := p.Parse(frame, &req); err != nil || req.Cmd == nil {
		return
	}
	target := t.Peers[tg.Node].Addr
	for _, i := range req.Cmd.Keys(req.Args, idx[:0]) {
		s.Add(target, req.Args[i])
	}
	if err := s.Flush(); err != nil {
		n.Log.Warn("cannot write a hint", "err", err)
	}
}

// hintPump starts a replayer for every peer with hints whose link is up.
func (n *Convergence) hintPump() {
	defer n.wg.Done()
	tick := time.NewTicker(hintPoll)
	defer tick.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-tick.C:
		}
		t := n.Topo.Load()
		for _, name := range n.hints.Targets() {
			p := t.PeerByAddr(name)
			if p == nil || !p.Up() {
				continue
			}
			n.mu.Lock()
			start := !n.running[name]
			if start {
				n.running[name] = true
				n.wg.Add(1)
			}
			n.mu.Unlock()
			if start {
				go n.replayHints(p)
			}
		}
	}
}

var _ admin.Converger = (*Convergence)(nil)

// ConvergenceStats returns the hint and repair counters (admin.Converger).
func (n *Convergence) ConvergenceStats() admin.ConvergenceStats {
	c := n
	var out admin.ConvergenceStats
	if c.hints != nil {
		st := c.hints.Stats()
		out.HintsPending, out.HintsPendingBytes = int64(st.Pending), st.PendingBytes
		out.HintsReplayed, out.HintsDropped = int64(st.Replayed), int64(st.Dropped)
	}
	out.RepairsSent = c.sent.Load() + c.repaired.Load() + c.ReadRepairs.Load()
	rs := c.repair.RepairStatus()
	out.WarmScanned, out.WarmCopied, out.WarmTotal = rs.Scanned, rs.Copied, rs.Total
	if rs.State == admin.RepairRunning {
		out.WarmRunning = true
		out.RepairsSent += rs.Copied
	}
	return out
}

// Hinting reports whether hinted handoff is on (a hints_dir in a cluster).
func (n *Convergence) Hinting() bool { return n.hints != nil }
