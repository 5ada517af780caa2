package membership

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/seeds"
)

// PollerOptions configure a Poller.
type PollerOptions struct {
	Provider Provider
	// Interval between polls; 0 is C's 30 s.
	Interval time.Duration
	// Timeout bounds one fetch; pass the node's `timeout` through Timeout.
	// 0 is 5 s.
	Timeout time.Duration
	// Self, Hash and Tag build the snapshot (seeds.Build).
	Self seeds.Self
	Hash ring.HashFunc
	Tag  string
	// Limits bound the list (seeds.Parse); zero fields take the defaults.
	Limits seeds.Limits
	// Logger gets a warning per failure or skipped record, at most one per
	// LogEvery (0: one minute), with the count of the ones left out.
	Logger   *slog.Logger
	LogEvery time.Duration
	// OnChange receives each new snapshot and the seeds it was built from.
	// It runs on the polling goroutine and must not call Poll.
	OnChange func(*ring.Snapshot, []seeds.Seed)
}

// PollStats count what a Poller did since it was made.
type PollStats struct {
	Polls    uint64 // fetches tried
	Failures uint64 // fetches or lists that gave no usable list
	Changes  uint64 // snapshots delivered
	Skipped  uint64 // records left out of fetched lists
}

// Poller polls a Provider and delivers a new ring snapshot when the list it
// returns changes. The list is compared after parsing, so the same seeds in
// another order, or with other bad records, are no change. A failed fetch,
// a list over the limits, or a list with no usable seed (an empty one is
// usable only from the simple provider) keeps the last good list.
type Poller struct {
	o PollerOptions

	polls, failures, changes, skipped atomic.Uint64

	mu       sync.Mutex // guards last and the log throttle
	last     []seeds.Seed
	lastText string
	have     bool
	logAt    time.Time
	dropped  int
}

// NewPoller returns a Poller; it does nothing until Poll or Run.
func NewPoller(o PollerOptions) *Poller {
	if o.Interval <= 0 {
		o.Interval = 30 * time.Second
	}
	o.Timeout = Timeout(o.Timeout)
	if o.LogEvery <= 0 {
		o.LogEvery = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Poller{o: o}
}

// Run polls at once, then every Interval, until ctx is done.
func (p *Poller) Run(ctx context.Context) {
	t := time.NewTicker(p.o.Interval)
	defer t.Stop()
	for {
		p.Poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll fetches once, bounded by Timeout, and calls OnChange when the
// accepted seeds differ from the last good ones (or on the first good
// list). It reports whether it delivered a snapshot, and the fetch or build
// error when there was one.
func (p *Poller) Poll(ctx context.Context) (bool, error) {
	p.polls.Add(1)
	fctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	text, err := p.o.Provider.Fetch(fctx)
	cancel()
	if err != nil {
		return false, p.fail(err)
	}
	p.mu.Lock()
	same := p.have && text == p.lastText
	p.mu.Unlock()
	if same {
		return false, nil
	}
	list, skips, err := seeds.Parse(text, p.o.Limits)
	if err != nil {
		return false, p.fail(err)
	}
	p.noteSkips(skips)
	if len(list) == 0 && (len(skips) > 0 || p.o.Provider.Name() != SimpleName) {
		return false, p.fail(fmt.Errorf("cannot use the list of %s: %w", p.o.Provider.Name(), seeds.ErrEmpty))
	}
	snap, bskips, err := seeds.Build(p.o.Self, list, p.o.Hash, p.o.Tag)
	p.noteSkips(bskips)
	if err != nil {
		return false, p.fail(err)
	}
	p.mu.Lock()
	changed := !p.have || canonical(list) != canonical(p.last)
	p.last, p.lastText, p.have = list, text, true
	p.mu.Unlock()
	if !changed {
		return false, nil
	}
	p.changes.Add(1)
	if p.o.OnChange != nil {
		p.o.OnChange(snap, slices.Clone(list))
	}
	return true, nil
}

// canonical is the list's records sorted, so that order does not count.
func canonical(list []seeds.Seed) string {
	recs := make([]string, len(list))
	for i, s := range list {
		recs[i] = string(seeds.AppendRecord(nil, s))
	}
	slices.Sort(recs)
	return strings.Join(recs, "|")
}

func (p *Poller) fail(err error) error {
	p.failures.Add(1)
	p.warn("seed provider failed, keeping the last good list", slog.String("provider", p.o.Provider.Name()), slog.Any("err", err))
	return err
}

func (p *Poller) noteSkips(skips []seeds.Skip) {
	p.skipped.Add(uint64(len(skips)))
	for _, s := range skips {
		p.warn("seed record skipped", slog.String("provider", p.o.Provider.Name()), slog.String("record", s.String()))
	}
}

// warn logs at most one line per LogEvery, carrying the count of lines
// left out since the last one.
func (p *Poller) warn(msg string, attrs ...slog.Attr) {
	p.mu.Lock()
	now := time.Now()
	if !p.logAt.IsZero() && now.Sub(p.logAt) < p.o.LogEvery {
		p.dropped++
		p.mu.Unlock()
		return
	}
	dropped := p.dropped
	p.logAt, p.dropped = now, 0
	p.mu.Unlock()
	attrs = append(attrs, slog.Int("suppressed", dropped))
	p.o.Logger.LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
}

// Stats returns the counters.
func (p *Poller) Stats() PollStats {
	return PollStats{Polls: p.polls.Load(), Failures: p.failures.Load(), Changes: p.changes.Load(), Skipped: p.skipped.Load()}
}

// Last returns a copy of the last good list, and false before the first.
func (p *Poller) Last() ([]seeds.Seed, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.last), p.have
}
