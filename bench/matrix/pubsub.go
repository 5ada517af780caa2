package matrix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// The pub/sub group (-pubsub), run after the matrix on its own cluster
// (issue 16's speed target): 3 racks x 1 node, pubsubSubscribers clients
// subscribed to one channel, spread over the 3 nodes in turn; publishers
// on node 1 send -pub-rate messages/s for -duration, each message's
// payload its send time (Unix nanoseconds). Reported: messages published
// per second, deliveries per second (every subscriber gets every
// message), deliveries not made 5 s after the last publish, and the delivery latency p50/p99.

const (
	pubsubSubscribers = 100
	pubsubPublishers  = 4
	pubsubChannel     = "bench:ps"
	pubsubTick        = 10 * time.Millisecond
	pubsubDrain       = 5 * time.Second
)

// pubsubResult is the pub/sub group's outcome.
type pubsubResult struct {
	Subscribers  int     `json:"subscribers"`
	RateAsked    int     `json:"publish_rate_asked"`
	Published    int64   `json:"published"`
	PublishedSec float64 `json:"published_sec"`
	Delivered    int64   `json:"delivered"`
	DeliveredSec float64 `json:"delivered_sec"`
	// Undelivered is published x subscribers - delivered, pubsubDrain
	// after the last publish.
	Undelivered int64   `json:"undelivered"`
	P50         float64 `json:"p50_ms"`
	P99         float64 `json:"p99_ms"`
	Err         string  `json:"error,omitempty"`
}

// latencyHist counts latencies: by the microsecond below histFine, by
// the millisecond from there up to histMax, longer ones in a last bucket
// read as histMax. Safe for concurrent use.
type latencyHist struct{ b []atomic.Int64 }

const (
	histFine = 100 * time.Millisecond
	histMax  = time.Minute
)

func newLatencyHist() *latencyHist {
	fine := int(histFine / time.Microsecond)
	coarse := int((histMax - histFine) / time.Millisecond)
	return &latencyHist{b: make([]atomic.Int64, fine+coarse+1)}
}

// bucket returns the bucket of d.
func (h *latencyHist) bucket(d time.Duration) int {
	fine := int(histFine / time.Microsecond)
	switch {
	case d < 0:
		return 0
	case d < histFine:
		return int(d / time.Microsecond)
	}
	return min(fine+int((d-histFine)/time.Millisecond), len(h.b)-1)
}

// lower returns the smallest latency of bucket i.
func (h *latencyHist) lower(i int) time.Duration {
	fine := int(histFine / time.Microsecond)
	if i < fine {
		return time.Duration(i) * time.Microsecond
	}
	return histFine + time.Duration(i-fine)*time.Millisecond
}

func (h *latencyHist) add(d time.Duration) { h.b[h.bucket(d)].Add(1) }

// percentile returns the p-th percentile in milliseconds (0 when empty).
func (h *latencyHist) percentile(p float64) float64 {
	var total int64
	for i := range h.b {
		total += h.b[i].Load()
	}
	if total == 0 {
		return 0
	}
	want := max(int64(float64(total)*p/100+0.5), 1)
	var seen int64
	for i := range h.b {
		seen += h.b[i].Load()
		if seen >= want {
			return float64(h.lower(i)) / float64(time.Millisecond)
		}
	}
	return float64(histMax) / float64(time.Millisecond)
}

// sentAt reads a message payload (decimal Unix nanoseconds); ok is false
// for anything else.
func sentAt(payload []byte) (time.Time, bool) {
	if len(payload) == 0 || len(payload) > 20 {
		return time.Time{}, false
	}
	ns, err := strconv.ParseInt(string(payload), 10, 64)
	if err != nil || ns <= 0 {
		return time.Time{}, false
	}
	return time.Unix(0, ns), true
}

// runPubSub runs the pub/sub group; its error is also in the result's Err.
func runPubSub(ctx context.Context, o options, stderr io.Writer) (pubsubResult, error) {
	res := pubsubResult{Subscribers: pubsubSubscribers, RateAsked: o.pubRate}
	err := pubsub(ctx, o, &res)
	if err != nil {
		res.Err = err.Error()
		fmt.Fprintf(stderr, "pubsub: %v\n", err)
	}
	return res, err
}

func pubsub(ctx context.Context, o options, res *pubsubResult) (err error) {
	bin, err := findDynomite(o.dynomite)
	if err != nil {
		return fmt.Errorf("cannot find or build dynomite: %w", err)
	}
	t, err := startProxyTarget("ps-3", "3 racks x 1 node", bin, o.redis, 3, "", nil)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, t.stop()) }()
	if err := clusterReady(t, 10*time.Second); err != nil {
		return err
	}
	hist := newLatencyHist()
	var delivered atomic.Int64
	var wg sync.WaitGroup
	var subs []*enginetest.Client
	defer func() {
		for _, c := range subs {
			c.Close()
		}
		wg.Wait()
	}()
	for i := 0; i < pubsubSubscribers; i++ {
		c, err := enginetest.Dial(t.measured[i%len(t.measured)].Addr)
		if err != nil {
			return err
		}
		subs = append(subs, c)
		c.Timeout = 5 * time.Second
		r, err := c.Do("SUBSCRIBE", pubsubChannel)
		if err != nil {
			return fmt.Errorf("cannot subscribe: %w", err)
		}
		if r.IsError() || len(r.Elems) < 1 {
			return fmt.Errorf("cannot subscribe: %s", r)
		}
		c.Timeout = 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				m, err := c.Read()
				if err != nil {
					return
				}
				if len(m.Elems) == 3 && string(m.Elems[0].Str) == "message" {
					if at, ok := sentAt(m.Elems[2].Str); ok {
						hist.add(time.Since(at))
						delivered.Add(1)
					}
				}
			}
		}()
	}
	// Every subscription is in place once a PUBLISH reaches them all.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := do(t.measured[0].Addr, "PUBLISH", pubsubChannel, "ready")
		if err != nil {
			return err
		}
		if r.Int >= pubsubSubscribers {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cannot reach %d subscribers within 10 s: PUBLISH answered %d", pubsubSubscribers, r.Int)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var published atomic.Int64
	var pubErr error
	var pmu sync.Mutex
	var pwg sync.WaitGroup
	start := time.Now()
	end := start.Add(o.duration)
	for p := 0; p < pubsubPublishers; p++ {
		pwg.Add(1)
		go func(p int) {
			defer pwg.Done()
			if err := publishPaced(ctx, t.measured[0].Addr, o.pubRate, p, start, end, &published); err != nil {
				pmu.Lock()
				pubErr = errors.Join(pubErr, err)
				pmu.Unlock()
			}
		}(p)
	}
	pwg.Wait()
	elapsed := time.Since(start)
	want := published.Load() * pubsubSubscribers
	drain := time.Now().Add(pubsubDrain)
	for delivered.Load() < want && time.Now().Before(drain) {
		time.Sleep(20 * time.Millisecond)
	}
	res.Published, res.Delivered = published.Load(), delivered.Load()
	res.PublishedSec = float64(res.Published) / elapsed.Seconds()
	res.DeliveredSec = float64(res.Delivered) / elapsed.Seconds()
	res.Undelivered = want - res.Delivered
	res.P50, res.P99 = hist.percentile(50), hist.percentile(99)
	return pubErr
}

// share returns publisher p's part of total messages split over n
// publishers: the parts differ by at most one and add up to total.
func share(total, p, n int) int {
	return (total + n - 1 - p) / n
}

// publishPaced publishes through addr at publisher p's share of rate from
// start until end, pipelining what is due at each tick (what fell behind is
// caught up at the next one); every reply must be an integer.
func publishPaced(ctx context.Context, addr string, rate, p int, start, end time.Time, published *atomic.Int64) error {
	c, err := enginetest.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.Timeout = 5 * time.Second
	tk := time.NewTicker(pubsubTick)
	defer tk.Stop()
	sent := 0
	for now := time.Now(); now.Before(end); now = time.Now() {
		n := share(int(float64(rate)*now.Sub(start).Seconds()), p, pubsubPublishers) - sent
		for i := 0; i < n; i++ {
			if err := c.Send("PUBLISH", pubsubChannel, strconv.FormatInt(time.Now().UnixNano(), 10)); err != nil {
				return err
			}
		}
		if err := c.Flush(); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			r, err := c.Read()
			if err != nil {
				return fmt.Errorf("cannot publish: %w", err)
			}
			if r.Type != ':' {
				return fmt.Errorf("cannot publish: %s", r)
			}
			published.Add(1)
		}
		sent += max(n, 0)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tk.C:
		}
	}
	return nil
}

// writePubSub prints the pub/sub report.
func writePubSub(w io.Writer, r pubsubResult) {
	fmt.Fprintf(w, "\npub/sub (-pubsub), 3 racks x 1 node, %d subscribers over the 3 nodes, publishers on node 1 at %d messages/s asked:\n",
		r.Subscribers, r.RateAsked)
	if r.Err != "" {
		fmt.Fprintf(w, "  failed: %s\n", r.Err)
	}
	fmt.Fprintf(w, "  published %.0f messages/s, delivered %.0f messages/s, undelivered %v after the last publish: %d, delivery latency p50 %.3f ms p99 %.3f ms\n",
		r.PublishedSec, r.DeliveredSec, pubsubDrain, r.Undelivered, r.P50, r.P99)
}
