package bench

// One client: one connection, up to Pipeline requests in flight, driven by
// the event loop of its thread (thread_linux.go).
//
//	   +-- fill: append requests while inflight < pipeline and the run goes on
//	   |         (one write for all of them, one clock reading)
//	   |
//	   +-- read: one read, one clock reading; scan every complete reply,
//	   |         pop its slot from the in-flight ring, record its latency
//	   |
//	   +-- until nothing is in flight and nothing may be sent
//
// The in-flight ring holds, per request, its kind and the time its write
// started; replies arrive in request order on one connection, so the head of
// the ring always belongs to the next reply.

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds, from 1 µs to one minute, with three
// significant digits (as memtier does).
const (
	histMin    = 1
	histMax    = 60_000_000
	histDigits = 3
)

// opStats are the counters of one request kind, owned by one client until
// the run ends, then merged.
type opStats struct {
	ops, hits, misses, errors int64
	bytes                     int64 // request plus reply bytes, as memtier counts them
	latSum                    int64 // microseconds
	hist                      *hdrhistogram.Histogram
}

func newOpStats() opStats {
	return opStats{hist: hdrhistogram.New(histMin, histMax, histDigits)}
}

func (s *opStats) record(us int64, kind replyKind, n int64) {
	s.ops++
	s.bytes += n
	s.latSum += us
	switch kind {
	case replyHit:
		s.hits++
	case replyMiss:
		s.misses++
	case replyErr:
		s.errors++
	}
	if us < histMin {
		us = histMin
	} else if us > histMax {
		us = histMax
	}
	_ = s.hist.RecordValue(us) // in range by the clamp above
}

func (s *opStats) merge(o *opStats) {
	s.ops += o.ops
	s.hits += o.hits
	s.misses += o.misses
	s.errors += o.errors
	s.bytes += o.bytes
	s.latSum += o.latSum
	s.hist.Merge(o.hist)
}

// live are the counters the progress reporter reads while the run goes on.
type live struct {
	ops, bytes, latSum atomic.Int64
	done               atomic.Bool
}

// slot is one request in flight.
type slot struct {
	kind opKind
	size int32 // request bytes
	sent int64 // nanoseconds since the run's start
}

type client struct {
	cfg      *Config
	w        wire
	conn     net.Conn // until the loop takes its socket; a test's sink
	fd       int      // the socket the thread's loop drives; -1 before
	ep, idx  int      // the loop's epoll instance and this client's index in it
	wpend    []byte   // requests the socket did not take yet (tail of wbuf)
	r        int      // bytes buffered in rbuf
	ratio    cycle
	setKeys  keyGen
	getKeys  keyGen
	sizes    *gauss // value size draws for --data-size-range
	value    []byte
	key      []byte
	wbuf     []byte
	rbuf     []byte
	ring     []slot
	head, n  int
	sent     int // requests sent
	set, get opStats
	firstErr string // text of the first error reply, for the report
	live     *live
	start    time.Time
	deadline time.Time // stop sending at
	stop     *atomic.Bool
	tls      *tls.Config // nil for plain connections
}

func newClient(cfg *Config, idx, total int, value []byte, lv *live, stop *atomic.Bool) *client {
	seed := cfg.Seed
	if cfg.DistinctClientSeed {
		seed += uint64(idx) + 1
	}
	rng := newGauss(seed)
	pipe := cfg.Pipeline
	return &client{
		cfg:     cfg,
		w:       wireFor(cfg.Protocol),
		ratio:   cycle{r: cfg.Ratio},
		setKeys: newKeyGen(cfg, cfg.KeyPattern[0], idx, total, rng),
		getKeys: newKeyGen(cfg, cfg.KeyPattern[1], idx, total, rng),
		sizes:   rng,
		value:   value,
		key:     make([]byte, 0, len(cfg.KeyPrefix)+24),
		wbuf:    make([]byte, 0, pipe*(len(value)+len(cfg.KeyPrefix)+64)),
		rbuf:    make([]byte, 64<<10+2*len(value)),
		ring:    make([]slot, pipe),
		set:     newOpStats(),
		get:     newOpStats(),
		live:    lv,
		stop:    stop,
		fd:      -1,
	}
}

// dial opens the client's connection.
func (c *client) dial(ctx context.Context) error {
	var d net.Dialer
	network, addr := "tcp", net.JoinHostPort(c.cfg.Server, strconv.Itoa(c.cfg.Port))
	if c.cfg.UnixSocket != "" {
		network, addr = "unix", c.cfg.UnixSocket
	}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return fmt.Errorf("cannot connect to %s: %w", addr, err)
	}
	if c.tls != nil {
		if conn, err = handshake(ctx, conn, c.tls); err != nil {
			return fmt.Errorf("cannot connect to %s: %w", addr, err)
		}
	}
	c.conn = conn
	return nil
}

// mayStart reports whether another request may be issued at time now.
func (c *client) mayStart(now time.Time) bool {
	if c.stop.Load() {
		return false
	}
	if c.cfg.Requests > 0 && c.sent >= c.cfg.Requests {
		return false
	}
	return now.Before(c.deadline)
}

// fill appends requests up to the pipeline depth and writes them at once.
func (c *client) fill(now time.Time) error {
	c.wbuf = c.wbuf[:0]
	first := c.n
	for c.n < len(c.ring) && c.mayStart(now) {
		kind := c.ratio.next()
		before := len(c.wbuf)
		if kind == opSet {
			c.key = appendKey(c.key[:0], c.cfg.KeyPrefix, c.setKeys.nextID())
			c.wbuf = c.w.appendSet(c.wbuf, c.key, c.nextValue())
		} else {
			c.key = appendKey(c.key[:0], c.cfg.KeyPrefix, c.getKeys.nextID())
			c.wbuf = c.w.appendGet(c.wbuf, c.key)
		}
		c.ring[(c.head+c.n)%len(c.ring)] = slot{kind: kind, size: int32(len(c.wbuf) - before)}
		c.n++
		c.sent++
	}
	if len(c.wbuf) == 0 {
		return nil
	}
	t := int64(time.Since(c.start))
	for i := first; i < c.n; i++ {
		c.ring[(c.head+i)%len(c.ring)].sent = t
	}
	return c.send(c.wbuf)
}

func (c *client) nextValue() []byte {
	if c.cfg.DataSizeMin == 0 {
		return c.value
	}
	span := uint64(c.cfg.DataSizeMax - c.cfg.DataSizeMin + 1)
	return c.value[:c.cfg.DataSizeMin+int(c.sizes.r.Uint64N(span))]
}

// consume scans the complete replies in buf and returns the bytes used.
func (c *client) consume(buf []byte, nowNS int64) (int, error) {
	used := 0
	var ops, bytes, lat int64
	for c.n > 0 {
		n, kind, err := c.w.scanner.scan(buf[used:], c.ring[c.head].kind)
		if err != nil {
			return 0, fmt.Errorf("cannot parse reply: %w", err)
		}
		if n == 0 {
			break
		}
		if kind == replyErr && c.firstErr == "" {
			c.firstErr = strings.TrimSpace(string(buf[used : used+min(n, 200)]))
		}
		s := c.ring[c.head]
		c.head = (c.head + 1) % len(c.ring)
		c.n--
		us := (nowNS - s.sent) / 1000
		size := int64(s.size) + int64(n)
		if s.kind == opSet {
			c.set.record(us, kind, size)
		} else {
			c.get.record(us, kind, size)
		}
		ops++
		bytes += size
		lat += us
		used += n
	}
	if ops > 0 {
		c.live.ops.Add(ops)
		c.live.bytes.Add(bytes)
		c.live.latSum.Add(lat)
	}
	return used, nil
}
