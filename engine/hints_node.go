package engine

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/hints"
	"github.com/dynomite-go/dynomite/engine/hints/rackrepair"
	"github.com/dynomite-go/dynomite/engine/hints/replay"
	"github.com/dynomite-go/dynomite/replica"
)

// Hinted handoff: the writes a peer missed, kept by key and copied to it
// once it is back (engine/hints).
//
//	fanout.send: a peer copy of a write not queued (link down, refused,
//	             queue full)                              ─┐
//	fanout.Answer: a peer copy of a write failed (timeout, ├─▶ hint(peer, keys)
//	             closed) or answered with an error        ─┘   Store.Add + Flush
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

// convergence is a Node's hinted handoff and repair state.
type convergence struct {
	repair *rackrepair.Runner
	hints  *hints.Store // nil: hinted handoff is off
	lim    replay.Limiter

	mu      sync.Mutex
	running map[string]bool // targets with a replayer
	stop    chan struct{}   // closed by stopConvergence
	wg      sync.WaitGroup  // the pump and the replayers

	sent     atomic.Int64 // keys copied to a peer by hint replay
	failed   atomic.Int64 // replay batches that failed
	repaired atomic.Int64 // keys copied by repair runs that ended

	readRepairs atomic.Int64 // repair writes sent to stale replicas (readrepair.go)
}

// initConvergence builds the repair runner and opens the hint file. Called
// by New.
func (n *Node) initConvergence() error {
	n.initRepair()
	p := &n.cfg.Pool
	n.conv.stop = make(chan struct{})
	n.conv.running = map[string]bool{}
	if p.HintsDir == "" || n.rt.Memcache() {
		return nil
	}
	t := n.cluster.topo.Load()
	if t == nil || t.Solo {
		return nil
	}
	s, err := hints.Open(hints.Options{Dir: p.HintsDir, MaxCount: p.HintsMaxCount, MaxBytes: int64(p.HintsMaxBytes)})
	if err != nil {
		return fmt.Errorf("cannot open the hints: %w", err)
	}
	n.conv.hints = s
	n.conv.lim = replay.NewLimiter(p.RepairRate, hintBatch)
	if st := s.Stats(); st.Pending > 0 || st.TornBytes > 0 {
		n.log.Info("hints loaded", "pending", st.Pending, "torn_bytes", st.TornBytes)
	}
	return nil
}

// startConvergence starts the warm-up at start (when configured) and the
// hint pump. Called by Start.
func (n *Node) startConvergence() {
	n.startWarmUp()
	if n.conv.hints == nil {
		return
	}
	n.conv.wg.Add(1)
	go n.hintPump()
}

// stopConvergence stops a repair run, the pump and the replayers, and
// closes the hint file. Called by Shutdown; safe on a node never started.
func (n *Node) stopConvergence() {
	c := &n.conv
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
			n.log.Warn("cannot close the hints", "err", err)
		}
	}
}

// hintWrite records that peer tg missed the write frame (a request of the
// node's protocol) and writes the record before returning. Called under
// the fanout's lock, on a poller; only on a failure, never for a write
// every replica took.
func (n *Node) hintWrite(t *topology, tg replica.Target, frame []byte) {
	s := n.conv.hints
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
		n.log.Warn("cannot write a hint", "err", err)
	}
}

// hintPump starts a replayer for every peer with hints whose link is up.
func (n *Node) hintPump() {
	defer n.conv.wg.Done()
	tick := time.NewTicker(hintPoll)
	defer tick.Stop()
	for {
		select {
		case <-n.conv.stop:
			return
		case <-tick.C:
		}
		t := n.cluster.topo.Load()
		for _, name := range n.conv.hints.Targets() {
			p := t.PeerByAddr(name)
			if p == nil || !p.Up() {
				continue
			}
			n.conv.mu.Lock()
			start := !n.conv.running[name]
			if start {
				n.conv.running[name] = true
				n.conv.wg.Add(1)
			}
			n.conv.mu.Unlock()
			if start {
				go n.replayHints(p)
			}
		}
	}
}

var _ admin.Converger = (*Node)(nil)

// ConvergenceStats returns the hint and repair counters (admin.Converger).
func (n *Node) ConvergenceStats() admin.ConvergenceStats {
	c := &n.conv
	var out admin.ConvergenceStats
	if c.hints != nil {
		st := c.hints.Stats()
		out.HintsPending, out.HintsPendingBytes = int64(st.Pending), st.PendingBytes
		out.HintsReplayed, out.HintsDropped = int64(st.Replayed), int64(st.Dropped)
	}
	out.RepairsSent = c.sent.Load() + c.repaired.Load() + c.readRepairs.Load()
	rs := c.repair.RepairStatus()
	out.WarmScanned, out.WarmCopied, out.WarmTotal = rs.Scanned, rs.Copied, rs.Total
	if rs.State == admin.RepairRunning {
		out.WarmRunning = true
		out.RepairsSent += rs.Copied
	}
	return out
}
