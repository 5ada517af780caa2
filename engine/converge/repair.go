package converge

import (
	"fmt"
	"time"

	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/hints/rackrepair"
	"github.com/dynomite-go/dynomite/engine/hints/replay"
)

// Rack repair and warm-up of this node (engine/hints/rackrepair).
//
//	/repair/warm?source=H:P ─┐
//	warm_up_from (at start) ─┴─▶ Runner ── SCAN H:P, keep the keys this node
//	                                        owns in its rack, DUMP/RESTORE
//	                                        into the local datastore
//	   Began (warm): state RESUMING ── writes accepted and replicated,
//	                                   local reads refused (other racks serve)
//	   Ended (warm, done): state NORMAL; failed: stays RESUMING
//
// The node is the admin endpoint's Repairer by delegating to its Runner;
// the Runner is built by New (it opens nothing) and closed by Shutdown.

// warmStartWait bounds how long a warm-up at start waits for the local
// datastore to answer before it gives up (and logs it).
const warmStartWait = 30 * time.Second

var _ admin.Repairer = (*Convergence)(nil)

// initRepair builds the node's repair runner. Called by New.
func (n *Convergence) initRepair() {
	p := &n.Cfg.Pool
	n.repair = rackrepair.New(rackrepair.Config{
		Local:         p.Servers[0].Addr.String(),
		Owns:          n.ownsKey,
		Rate:          p.RepairRate,
		CheckpointDir: p.HintsDir,
		Timeout:       n.DialTimeout,
		Began:         n.repairBegan,
		Ended:         n.repairEnded,
		Log:           n.Log.With("part", "repair"),
	})
}

// ownsKey reports whether this node owns key in its own rack.
func (n *Convergence) ownsKey(key []byte) bool {
	t := n.Topo.Load()
	if t == nil || t.Solo {
		return true
	}
	return t.Owner(t.LocalDC(), t.LocalRack(), t.Token(key)) == t.Local()
}

// StartRepair starts a warm-up or a comparison (admin.Repairer).
func (n *Convergence) StartRepair(j admin.RepairJob) (admin.RepairStatus, error) {
	return n.repair.StartRepair(j)
}

// RepairStatus returns the current or last run (admin.Repairer).
func (n *Convergence) RepairStatus() admin.RepairStatus { return n.repair.RepairStatus() }

// repairBegan holds RESUMING while a warm-up runs: the local datastore is
// missing keys, so reads go to other racks while writes still land here.
func (n *Convergence) repairBegan(j admin.RepairJob) {
	if j.Mode != admin.RepairWarm {
		return
	}
	n.State.Store(uint32(admin.Resuming))
	n.Log.Info("warming up: state RESUMING", "source", j.Source)
}

// repairEnded makes a node that warmed up whole NORMAL again. A failed
// warm-up leaves it RESUMING: its data is incomplete; another run (or
// /state/normal) ends that.
func (n *Convergence) repairEnded(st admin.RepairStatus) {
	n.repaired.Add(st.Copied)
	if st.Job.Mode != admin.RepairWarm {
		return
	}
	if st.State != admin.RepairDone {
		n.Log.Warn("warm-up failed: state stays RESUMING", "source", st.Job.Source, "err", st.Err)
		return
	}
	if n.State.CompareAndSwap(uint32(admin.Resuming), uint32(admin.Normal)) {
		n.Log.Info("warmed up: state NORMAL", "source", st.Job.Source, "copied", st.Copied)
	}
}

// startWarmUp, when warm_up_from is set, holds RESUMING and checks on its
// own goroutine whether the local datastore is empty: then it warms the
// node from warm_up_from, else it makes the node NORMAL. Called by Start
// before the node enters service.
func (n *Convergence) startWarmUp() {
	src := n.Cfg.Pool.WarmUpFrom
	if src == "" || n.Memcache {
		return
	}
	n.State.Store(uint32(admin.Resuming))
	go func() {
		empty, err := n.localEmpty()
		switch {
		case err != nil:
			n.Log.Warn("cannot check the datastore for a warm-up at start: state stays RESUMING", "err", err)
		case !empty:
			n.State.CompareAndSwap(uint32(admin.Resuming), uint32(admin.Normal))
			n.Log.Info("datastore not empty: no warm-up at start", "warm_up_from", src)
		default:
			if _, err := n.StartRepair(admin.RepairJob{Mode: admin.RepairWarm, Source: src}); err != nil {
				n.Log.Warn("cannot warm up at start: state stays RESUMING", "warm_up_from", src, "err", err)
			}
		}
	}()
}

// localEmpty asks the local datastore for its key count, retrying for up
// to warmStartWait while it does not answer.
func (n *Convergence) localEmpty() (bool, error) {
	deadline := time.Now().Add(warmStartWait)
	for {
		k, err := localDBSize(n.Cfg.Pool.Servers[0].Addr.String(), n.DialTimeout)
		if err == nil {
			return k == 0, nil
		}
		if time.Now().After(deadline) || n.Closing.Load() {
			return false, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func localDBSize(addr string, timeout time.Duration) (int64, error) {
	c, err := replay.Dial(addr, timeout)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	r, err := c.Do([]byte("DBSIZE"))
	if err != nil {
		return 0, err
	}
	k, err := replay.Int(r)
	if err != nil {
		return 0, fmt.Errorf("cannot read DBSIZE: %w", err)
	}
	return k, nil
}
