// Package rackrepair runs warm-ups and anti-entropy checks on request of
// the stats port: Runner implements admin.Repairer on top of warm.Warmer
// and warm.Compare, with this node's datastore as the target and a peer's
// datastore (named per run) as the reference.
//
// A node plugs it in by serving a value that is both its admin.Node and a
// *Runner, for example struct{ *Node; *rackrepair.Runner }.
//
// One run at a time: StartRepair starts it on its own goroutine and
// returns; RepairStatus may be called from any goroutine meanwhile. Close
// stops a run in progress and waits for it.
//
// The package imports the standard library, engine/admin,
// engine/hints/warm and engine/hints/replay.
package rackrepair

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/hints/replay"
	"github.com/dynomite-go/dynomite/engine/hints/warm"
)

// Config is what a Runner needs of the node.
type Config struct {
	// Local is this node's datastore: host:port, or a Unix socket path
	// starting with '/'.
	Local string
	// Owns reports whether this node owns key (in its own rack). It is
	// called from the run's goroutine.
	Owns func(key []byte) bool
	// Rate is the default copy rate in keys per second for runs that give
	// none; 0: unlimited.
	Rate int
	// CheckpointDir holds the warm-up checkpoints, one file per source, so
	// that a warm-up from the same source started again after a crash
	// resumes; "": no checkpoint.
	CheckpointDir string
	// Timeout bounds each dial and round trip; 0: 10 s.
	Timeout time.Duration
	// Count and Batch are the SCAN COUNT and the keys per copy round
	// trip; 0: warm's and replay's defaults.
	Count, Batch int
	// Began and Ended, when set, are called on the run's goroutine at its
	// start and end: the node can hold RESUMING while a warm-up runs.
	Began func(admin.RepairJob)
	Ended func(admin.RepairStatus)
	// Log receives a line per start and end; nil: none.
	Log *slog.Logger
}

// Runner is an admin.Repairer. Build it with New.
type Runner struct {
	cfg Config

	mu     sync.Mutex
	st     admin.RepairStatus
	cancel context.CancelFunc
	done   chan struct{}
	closed bool
}

var _ admin.Repairer = (*Runner)(nil)

// New returns an idle Runner.
func New(cfg Config) *Runner {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Runner{cfg: cfg}
}

// StartRepair starts j (admin.Repairer). It refuses a second run with
// admin.ErrRepairRunning, a warm-up from the local datastore itself, and
// any run after Close.
func (r *Runner) StartRepair(j admin.RepairJob) (admin.RepairStatus, error) {
	if j.Mode != admin.RepairWarm && j.Mode != admin.RepairCompare {
		return admin.RepairStatus{}, fmt.Errorf("unknown repair mode %d", j.Mode)
	}
	if j.Source == r.cfg.Local {
		return admin.RepairStatus{}, fmt.Errorf("the source %s is this node's own datastore", j.Source)
	}
	if j.Rate == 0 {
		j.Rate = r.cfg.Rate
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.st, errors.New("the repair runner is closed")
	}
	if r.st.State == admin.RepairRunning {
		return r.st, admin.ErrRepairRunning
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.st = admin.RepairStatus{ID: r.st.ID + 1, Job: j, State: admin.RepairRunning, Started: time.Now()}
	r.cancel, r.done = cancel, make(chan struct{})
	go r.run(ctx, j, r.done)
	return r.st, nil
}

// RepairStatus returns the current or last run (admin.Repairer).
func (r *Runner) RepairStatus() admin.RepairStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.st
	if st.State == admin.RepairRunning {
		st.Elapsed = time.Since(st.Started)
	}
	return st
}

// Close stops a run in progress, waits for it to end, and makes later
// StartRepair calls fail. It is safe to call more than once.
func (r *Runner) Close() {
	r.mu.Lock()
	r.closed = true
	cancel, done := r.cancel, r.done
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

func (r *Runner) run(ctx context.Context, j admin.RepairJob, done chan struct{}) {
	defer close(done)
	log := r.cfg.Log.With(slog.String("mode", j.Mode.String()), slog.String("source", j.Source))
	log.Info("repair running", slog.Bool("fix", j.Fix), slog.Int("rate", j.Rate))
	if r.cfg.Began != nil {
		r.cfg.Began(j)
	}
	err := r.work(ctx, j)
	r.mu.Lock()
	r.st.Elapsed = time.Since(r.st.Started)
	r.st.ETA = 0
	if err != nil {
		r.st.State, r.st.Err = admin.RepairFailed, err.Error()
	} else {
		r.st.State = admin.RepairDone
	}
	st := r.st
	r.cancel = nil
	r.mu.Unlock()
	if err != nil {
		log.Warn("repair failed", slog.Any("err", err), slog.Int64("scanned", st.Scanned))
	} else {
		log.Info("repair done", slog.Int64("scanned", st.Scanned), slog.Int64("copied", st.Copied),
			slog.Int64("repaired", st.Repaired), slog.Duration("elapsed", st.Elapsed))
	}
	if r.cfg.Ended != nil {
		r.cfg.Ended(st)
	}
}

// work dials both datastores and runs the job on them.
func (r *Runner) work(ctx context.Context, j admin.RepairJob) error {
	src, err := replay.Dial(j.Source, r.cfg.Timeout)
	if err != nil {
		return fmt.Errorf("cannot reach the source: %w", err)
	}
	defer src.Close()
	dst, err := replay.Dial(r.cfg.Local, r.cfg.Timeout)
	if err != nil {
		return fmt.Errorf("cannot reach the local datastore: %w", err)
	}
	defer dst.Close()
	lim := replay.NewLimiter(j.Rate, r.cfg.Batch)
	if j.Mode == admin.RepairWarm {
		w := &warm.Warmer{Src: src, Dst: dst, Owns: r.cfg.Owns, Checkpoint: r.checkpoint(j.Source),
			Count: r.cfg.Count, Batch: r.cfg.Batch, Limiter: lim, Progress: r.warmProgress}
		_, err := w.Run(ctx)
		return err
	}
	total, err := dbsizes(src, dst)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.st.Total = total
	r.mu.Unlock()
	c := &warm.Compare{A: src, B: dst, Owns: r.cfg.Owns, Count: r.cfg.Count, Repair: j.Fix,
		Limiter: lim, Progress: r.compareProgress}
	_, err = c.Run(ctx)
	return err
}

// checkpoint is the warm-up checkpoint file of a source.
func (r *Runner) checkpoint(source string) string {
	if r.cfg.CheckpointDir == "" {
		return ""
	}
	name := strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' {
			return c
		}
		return '_'
	}, source)
	return filepath.Join(r.cfg.CheckpointDir, "warm-"+name+".ckpt")
}

func (r *Runner) warmProgress(p warm.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.st.Scanned, r.st.Copied, r.st.Total = p.Scanned, p.Copied, p.Total
	r.st.Rate, r.st.ETA = p.Rate, p.ETA
}

func (r *Runner) compareProgress(s warm.Summary) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := &r.st
	st.Scanned, st.Compared, st.Repaired, st.Copied = s.Scanned, s.Compared, s.Repaired, s.Repaired
	st.MissingHere, st.MissingThere, st.Differs = s.MissingInB, s.MissingInA, s.Differs
	el := time.Since(st.Started).Seconds()
	st.Rate, st.ETA = 0, 0
	if el > 0 {
		st.Rate = float64(st.Scanned) / el
	}
	if left := st.Total - st.Scanned; left > 0 && st.Rate > 0 {
		st.ETA = time.Duration(float64(left) / st.Rate * float64(time.Second))
	}
}

// dbsizes is the number of keys a comparison scans: both datastores'.
func dbsizes(a, b *replay.Conn) (int64, error) {
	var total int64
	for _, c := range []*replay.Conn{a, b} {
		rep, err := c.Do([]byte("DBSIZE"))
		if err != nil {
			return 0, err
		}
		n, err := replay.Int(rep)
		if err != nil {
			return 0, fmt.Errorf("cannot read DBSIZE: %w", err)
		}
		total += n
	}
	return total, nil
}
