package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// grace is how long after the last allowed send a client may wait for its
// outstanding replies before its connection times out.
const grace = 10 * time.Second

// Run executes one load described by cfg and returns its result. When
// progress is not nil, a memtier-style progress line is written to it every
// second (ended by '\r', finished by a blank line). Run stops early, with the
// counts gathered so far, when ctx is cancelled; it fails when a connection
// cannot be opened or a connection breaks.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Result, error) {
	return RunTally(ctx, cfg, progress, nil)
}

// Tally lets another goroutine read how many requests a load started with
// RunTally has completed so far.
type Tally struct {
	lives atomic.Pointer[[]*live]
}

// Ops returns the requests whose replies have arrived so far: 0 before the
// clients are connected.
func (t *Tally) Ops() int64 {
	p := t.lives.Load()
	if p == nil {
		return 0
	}
	var n int64
	for _, l := range *p {
		n += l.ops.Load()
	}
	return n
}

// RunTally is Run that also publishes the live request count to tally (when
// not nil) once every client is connected.
func RunTally(ctx context.Context, cfg Config, progress io.Writer, tally *Tally) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	total := cfg.Threads * cfg.Clients
	size := cfg.DataSize
	if cfg.DataSizeMin > 0 {
		size = cfg.DataSizeMax
	}
	value := bytes.Repeat([]byte{'x'}, size)
	var stop atomic.Bool
	clients := make([]*client, total)
	lives := make([]*live, total)
	defer closeAll(clients)
	tc, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	for i := range clients {
		lives[i] = new(live)
		clients[i] = newClient(&cfg, i, total, value, lives[i], &stop)
		clients[i].tls = tc
		if err := clients[i].dial(ctx); err != nil {
			return nil, err
		}
	}

	if tally != nil {
		tally.lives.Store(&lives)
	}

	// Clients stop sending at deadline (the test time, or the hard bound of
	// a count-bounded run) and give up on their replies grace later.
	start := time.Now()
	limit := cfg.MaxTime
	if cfg.TestTime > 0 {
		limit = cfg.TestTime
	}
	deadline := start.Add(limit)
	errs := make(chan error, cfg.Threads)
	var wg sync.WaitGroup
	for _, c := range clients {
		c.start, c.deadline = start, deadline
		if tc != nil {
			continue // a TLS connection stays a net.Conn (runConns)
		}
		if err := c.takeSocket(); err != nil {
			return nil, fmt.Errorf("cannot prepare connection: %w", err)
		}
	}
	for t := range cfg.Threads {
		group := clients[t*cfg.Clients : (t+1)*cfg.Clients]
		wg.Add(1)
		go func() {
			defer wg.Done()
			run := runThread
			if tc != nil {
				run = runConns
			}
			if err := run(group, deadline.Add(grace)); err != nil {
				stop.Store(true)
				errs <- err
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	report(ctx, &cfg, start, lives, progress, finished, &stop)
	end := time.Now()
	close(errs)
	if n := len(errs); n > 0 {
		return nil, fmt.Errorf("%d of %d threads failed, the first: %w", n, cfg.Threads, <-errs)
	}
	return newResult(&cfg, clients, start, end), nil
}

func closeAll(clients []*client) {
	for _, c := range clients {
		if c != nil {
			c.closeSocket()
		}
	}
}

// validate checks what Parse cannot see when a Config is built in code.
func (c *Config) validate() error {
	switch {
	case c.Threads < 1 || c.Clients < 1 || c.Pipeline < 1:
		return errors.New("bench: threads, clients and pipeline must be at least 1")
	case c.Requests <= 0 && c.TestTime <= 0:
		return errors.New("bench: either requests or test time must be set")
	case c.MaxTime <= 0:
		return errors.New("bench: max time must be positive")
	case c.Ratio.Set+c.Ratio.Get <= 0 || c.Ratio.Set < 0 || c.Ratio.Get < 0:
		return errors.New("bench: ratio must be [0-n]:[0-n], not 0:0")
	case c.DataSizeMin == 0 && c.DataSize < 1:
		return errors.New("bench: data size must be at least 1")
	case c.KeyMinimum > c.KeyMaximum:
		return errors.New("bench: key minimum above key maximum")
	case c.Protocol != ProtoRedis && c.Protocol != ProtoMemcacheText:
		return fmt.Errorf("bench: unknown protocol %q", c.Protocol)
	}
	return nil
}

// report prints the progress line each second, and once more when the run
// ends, until finished is closed; it raises stop when ctx is done.
func report(ctx context.Context, cfg *Config, start time.Time, lives []*live, w io.Writer, finished <-chan struct{}, stop *atomic.Bool) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	p := progress{cfg: cfg, start: start, prev: start, lives: lives, w: w}
	for {
		select {
		case <-finished:
			if w != nil {
				p.line(time.Now())
				fmt.Fprint(w, "\n\n")
			}
			return
		case <-ctx.Done():
			stop.Store(true)
			<-finished
			return
		case now := <-tick.C:
			if w != nil {
				p.line(now)
			}
		}
	}
}

// progress remembers the previous reading for the per-second rates.
type progress struct {
	cfg                         *Config
	start, prev                 time.Time
	lives                       []*live
	w                           io.Writer
	prevOps, prevBytes, prevLat int64
}

// line sums the clients' live counters and prints memtier's progress line.
func (p *progress) line(now time.Time) {
	var ops, byts, lat int64
	active := 0
	for t := 0; t < p.cfg.Threads; t++ {
		running := false
		for _, l := range p.lives[t*p.cfg.Clients : (t+1)*p.cfg.Clients] {
			ops += l.ops.Load()
			byts += l.bytes.Load()
			lat += l.latSum.Load()
			running = running || !l.done.Load()
		}
		if running {
			active++
		}
	}
	elapsed, step := now.Sub(p.start).Seconds(), now.Sub(p.prev).Seconds()
	progressLine(p.w, p.cfg, elapsed, active, ops, rate(ops-p.prevOps, step), rate(ops, elapsed),
		rate(byts-p.prevBytes, step), rate(byts, elapsed), avgMs(lat-p.prevLat, ops-p.prevOps), avgMs(lat, ops))
	p.prevOps, p.prevBytes, p.prevLat, p.prev = ops, byts, lat, now
}

func rate(n int64, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return float64(n) / secs
}

// avgMs converts a sum of microseconds over n requests to average milliseconds.
func avgMs(sumUs, n int64) float64 {
	if n <= 0 {
		return 0
	}
	return float64(sumUs) / float64(n) / 1000
}

func progressLine(w io.Writer, cfg *Config, elapsed float64, active int, ops int64,
	curOps, avgOps, curBytes, avgBytes, curLat, avgLat float64) {
	var pct float64
	if cfg.Requests > 0 {
		pct = 100 * float64(ops) / float64(cfg.Requests*cfg.Clients*cfg.Threads)
	} else {
		pct = 100 * elapsed / cfg.TestTime.Seconds()
	}
	fmt.Fprintf(w, "[RUN #1 %.0f%%, %3d secs] %2d threads: %11d ops, %7.0f (avg: %7.0f) ops/sec, %s/sec (avg: %s/sec), %5.2f (avg: %5.2f) msec latency\r",
		pct, int(elapsed), active, ops, curOps, avgOps, sizeString(curBytes), sizeString(avgBytes), curLat, avgLat)
}

// sizeString formats a byte count as memtier does: KB, MB or GB with two decimals.
func sizeString(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2fGB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.2fMB", b/(1<<20))
	}
	return fmt.Sprintf("%.2fKB", b/1024)
}
