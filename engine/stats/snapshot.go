package stats

import (
	"context"
	"sync/atomic"
	"time"
)

// Aggregation
//
// Counters and gauges are cumulative: a snapshot sums every shard, so
// /info shows running totals exactly as C Dynomite's "sum" copy does,
// without C's current/shadow/sum swapping. The aggregator (Run) takes a
// snapshot every stats_interval and publishes it; /info and /metrics read
// the latest published one. Histogram percentiles cover a window that
// starts over every HistogramWindow (5 minutes by default) or after
// ResetHistograms (/historeset), at the next aggregation, as in C. The
// reset does not touch the hot-path cells: the aggregator remembers the
// cumulative bucket counts at the reset (the baseline) and reports the
// difference; only each shard's maximum is swapped back to zero.

// MemGauge names one of the node-wide memory gauges of /info.
type MemGauge uint8

// Memory gauges, in /info order.
const (
	AllocMsgs  MemGauge = iota // messages allocated
	FreeMsgs                   // messages in the free pool
	AllocMbufs                 // buffers allocated
	FreeMbufs                  // buffers in the free pool

	// NumMem is the number of memory gauges.
	NumMem int = iota
)

var memNames = [NumMem]string{"alloc_msgs", "free_msgs", "alloc_mbufs", "free_mbufs"}

// String returns the gauge's /info name.
func (g MemGauge) String() string { return memNames[g] }

// Snapshot is a consistent-enough copy of every metric at one instant. It
// is immutable once published; readers must not modify it.
type Snapshot struct {
	Time   time.Time              // when it was taken
	Values [NumMetrics]int64      // every table metric, by Metric
	Mem    [NumMem]int64          // memory gauges, by MemGauge
	MaxRSS int64                  // dyn_memory: peak resident set (ru_maxrss)
	Hists  [NumHists]HistSnapshot // by Hist
}

// Source adds to a snapshot what the engine counts outside the shards:
// values derived at snapshot time (pool sizes) and rare events it already
// counts on its own atomics. It is called by every Snapshot, after the
// shards are summed, and must not keep v or mem.
type Source func(v *[NumMetrics]int64, mem *[NumMem]int64)

// SetSource installs f as the Registry's Source (nil removes it). Values
// it adds appear in snapshots (/info, /metrics), not in Registry.Value.
func (r *Registry) SetSource(f Source) {
	if f == nil {
		r.source.Store(nil)
		return
	}
	r.source.Store(&f)
}

// Value returns the snapshot's value of m.
func (s *Snapshot) Value(m Metric) int64 { return s.Values[m] }

// Snapshot sums all shards now and returns the result without publishing
// it. The histogram window is the current one; a pending reset is not
// applied (Aggregate applies it).
func (r *Registry) Snapshot(now time.Time) *Snapshot {
	s := &Snapshot{Time: now, MaxRSS: maxRSS()}
	for i := range r.shards {
		cells := r.shards[i].cells
		for m := 0; m < NumMetrics; m++ {
			s.Values[m] += atomic.LoadInt64(&cells[m])
		}
		for g := 0; g < NumMem; g++ {
			s.Mem[g] += atomic.LoadInt64(&cells[memBase+g])
		}
	}
	for m := range s.Values {
		if table[m].Kind == Timestamp {
			s.Values[m] = r.ts[m].Load()
		}
	}
	if f := r.source.Load(); f != nil {
		(*f)(&s.Values, &s.Mem)
	}
	var maxes [NumHists]int64
	for h := 0; h < NumHists; h++ {
		hs := &s.Hists[h]
		for i := range r.shards {
			c := r.shards[i].cells[histBase+h*histStride:]
			for b := 0; b < NumBuckets; b++ {
				n := atomic.LoadInt64(&c[b])
				hs.Buckets[b] += n
				hs.Count += n
			}
			hs.Sum += atomic.LoadInt64(&c[histSum])
			maxes[h] = max(maxes[h], atomic.LoadInt64(&c[histMax]))
		}
	}
	r.mu.Lock()
	for h := 0; h < NumHists; h++ {
		hs := &s.Hists[h]
		var win [NumBuckets]int64
		var count int64
		for b := range win {
			win[b] = max(hs.Buckets[b]-r.baseline[h][b], 0)
			count += win[b]
		}
		hs.Window = summarize(&win, count, hs.Sum-r.baseSum[h], maxes[h])
	}
	r.mu.Unlock()
	return s
}

// Aggregate takes a snapshot, starts a new histogram window when one is
// due (window elapsed or ResetHistograms called), and publishes the
// snapshot as Latest. Run calls it every Interval; tests call it directly.
func (r *Registry) Aggregate(now time.Time) *Snapshot {
	r.mu.Lock()
	due := r.resetHi.Swap(false) || now.Sub(r.lastReset) >= r.cfg.HistogramWindow
	if due {
		r.resetWindowLocked(now)
	}
	r.mu.Unlock()
	s := r.Snapshot(now)
	r.latest.Store(s)
	return s
}

// resetWindowLocked makes the current cumulative histogram state the new
// baseline and clears each shard's maximum. r.mu must be held.
func (r *Registry) resetWindowLocked(now time.Time) {
	r.lastReset = now
	for h := 0; h < NumHists; h++ {
		var base [NumBuckets]int64
		var sum int64
		for i := range r.shards {
			c := r.shards[i].cells[histBase+h*histStride:]
			for b := range base {
				base[b] += atomic.LoadInt64(&c[b])
			}
			sum += atomic.LoadInt64(&c[histSum])
			atomic.StoreInt64(&c[histMax], 0)
		}
		r.baseline[h] = base
		r.baseSum[h] = sum
	}
}

// ResetHistograms asks for a new histogram window at the next aggregation
// (/historeset). Counters are not touched.
func (r *Registry) ResetHistograms() { r.resetHi.Store(true) }

// Latest returns the last published snapshot. When none is younger than
// Interval (before the first aggregation, or when Run is not running) it
// aggregates now, so it never returns nil nor data older than Interval.
func (r *Registry) Latest() *Snapshot {
	now := time.Now()
	if s := r.latest.Load(); s != nil && now.Sub(s.Time) < r.cfg.Interval {
		return s
	}
	return r.Aggregate(now)
}

// Run aggregates every Interval until ctx is done. Start it once, in its
// own goroutine.
func (r *Registry) Run(ctx context.Context) {
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	r.Aggregate(time.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.Aggregate(now)
		}
	}
}
