package stats

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/klauspost/cpuid/v2"
)

// Counter layout
//
// Every shard is one run of int64 cells, laid out as
//
//	[ metric values (NumMetrics) | memory gauges (NumMem) | histogram 0 | ... | histogram NumHists-1 ]
//	histogram i = [ bucket counts (NumBuckets) | sum | max ]
//
// and the shards sit one after another in a single slice, each start aligned
// to the CPU's cache line and followed by one spare line, so two cores
// writing to different shards never share a line. A connection keeps the
// *Shard it was given (chosen by an index the engine passes, e.g. the
// poller or connection number); every write is one atomic add on that
// shard. Readers sum all shards.

// Config names the node in /info and sets the aggregation rhythm. It is
// copied by New and never changed after.
type Config struct {
	Pool    string // pool name, the top-level YAML key (e.g. "dyn_o_mite")
	Server  string // datastore name as it appears in /info
	Source  string // host name reported as "source"
	Version string // version string reported as "version"
	Rack    string
	DC      string
	// Interval is stats_interval: how often the aggregator takes a
	// snapshot. Zero means 30s, C Dynomite's default.
	Interval time.Duration
	// HistogramWindow is how often the histogram percentiles start over.
	// Zero means 5 minutes, as in C Dynomite.
	HistogramWindow time.Duration
	// Shards is the number of counter shards, rounded up to a power of
	// two. Zero means GOMAXPROCS.
	Shards int
}

const (
	defaultInterval = 30 * time.Second
	defaultWindow   = 5 * time.Minute
	maxShards       = 256
)

// Registry holds all counters and histograms of one node. Create it with
// New; every method is safe for concurrent use.
type Registry struct {
	cfg    Config
	start  time.Time
	shards []Shard
	mask   int
	ts     [NumMetrics]atomic.Int64 // Timestamp metrics, latest non-zero wins

	latest  atomic.Pointer[Snapshot]
	source  atomic.Pointer[Source] // SetSource
	resetHi atomic.Bool            // ResetHistograms asked for a new window

	mu        sync.Mutex // guards the histogram window state below
	baseline  [NumHists][NumBuckets]int64
	baseSum   [NumHists]int64
	lastReset time.Time
}

// Shard is one per-core slice of the counters. A Shard is shared: many
// goroutines may write to the same Shard concurrently (every write is
// atomic); giving each connection the shard of its poller keeps the cache
// lines core-local.
type Shard struct {
	r     *Registry
	cells []int64
}

// Cell offsets inside a shard.
const (
	memBase    = NumMetrics
	histBase   = memBase + int(NumMem)
	histStride = NumBuckets + 2
	histSum    = NumBuckets
	histMax    = NumBuckets + 1
	shardCells = histBase + int(NumHists)*histStride
)

// New returns a Registry for cfg with all counters at zero.
func New(cfg Config) *Registry {
	if cfg.Interval <= 0 {
		cfg.Interval = defaultInterval
	}
	if cfg.HistogramWindow <= 0 {
		cfg.HistogramWindow = defaultWindow
	}
	n := cfg.Shards
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	n = min(1<<bits.Len(uint(n-1)), maxShards)
	cfg.Shards = n

	line := cpuid.CPU.CacheLine
	if line <= 0 {
		line = 64
	}
	lineCells := max(line/8, 1)
	stride := (shardCells+lineCells-1)/lineCells*lineCells + lineCells
	all := make([]int64, n*stride+lineCells)
	// Start the first shard on a cache-line boundary; the heap does not
	// move objects, so the alignment holds for the slice's lifetime.
	off := 0
	if mis := int(uintptr(unsafe.Pointer(&all[0])) % uintptr(line)); mis != 0 {
		off = (line - mis) / 8
	}

	r := &Registry{cfg: cfg, start: time.Now(), shards: make([]Shard, n), mask: n - 1}
	for i := range r.shards {
		base := off + i*stride
		r.shards[i] = Shard{r: r, cells: all[base : base+shardCells : base+shardCells]}
	}
	r.lastReset = r.start
	return r
}

// Config returns the configuration the Registry was built with, defaults
// filled in.
func (r *Registry) Config() Config { return r.cfg }

// Start returns when the Registry was created (the "uptime" origin).
func (r *Registry) Start() time.Time { return r.start }

// NumShards returns the number of shards (a power of two).
func (r *Registry) NumShards() int { return len(r.shards) }

// Shard returns the shard for index i (any non-negative int: it is masked).
// The engine calls it once per connection or poller and keeps the result.
func (r *Registry) Shard(i int) *Shard { return &r.shards[i&r.mask] }

// Add adds d to metric m on shard 0. It is meant for cold paths (admin
// actions, rare errors); hot paths use a Shard.
func (r *Registry) Add(m Metric, d int64) { r.shards[0].Add(m, d) }

// SetTimestamp records v (milliseconds since the epoch) for a Timestamp
// metric such as ServerEjectedAt or PeerEjectedAt. Zero is ignored, as in
// C Dynomite: the latest non-zero value wins.
func (r *Registry) SetTimestamp(m Metric, v int64) {
	if v != 0 {
		r.ts[m].Store(v)
	}
}

// Value returns the current value of m summed over all shards. It is
// exact once concurrent writers have stopped.
func (r *Registry) Value(m Metric) int64 {
	if table[m].Kind == Timestamp {
		return r.ts[m].Load()
	}
	var v int64
	for i := range r.shards {
		v += atomic.LoadInt64(&r.shards[i].cells[m])
	}
	return v
}

// MemValue returns the current value of memory gauge g summed over shards.
func (r *Registry) MemValue(g MemGauge) int64 {
	var v int64
	for i := range r.shards {
		v += atomic.LoadInt64(&r.shards[i].cells[memBase+int(g)])
	}
	return v
}

// Add adds d (which may be negative for a Gauge) to metric m.
// It allocates nothing and never blocks.
func (s *Shard) Add(m Metric, d int64) { atomic.AddInt64(&s.cells[m], d) }

// Inc adds one to metric m.
func (s *Shard) Inc(m Metric) { atomic.AddInt64(&s.cells[m], 1) }

// Dec subtracts one from metric m (gauges: a connection closed, a message
// left a queue).
func (s *Shard) Dec(m Metric) { atomic.AddInt64(&s.cells[m], -1) }

// SetTimestamp is Registry.SetTimestamp, for callers holding a Shard.
func (s *Shard) SetTimestamp(m Metric, v int64) { s.r.SetTimestamp(m, v) }

// AddMem adds d to memory gauge g (alloc_msgs, free_msgs, alloc_mbufs,
// free_mbufs of /info). The message and buffer pools call it on Acquire,
// Release and growth.
func (s *Shard) AddMem(g MemGauge, d int64) { atomic.AddInt64(&s.cells[memBase+int(g)], d) }
