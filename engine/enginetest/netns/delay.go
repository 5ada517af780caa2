//go:build linux

package netns

import (
	"fmt"
	"strings"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Delay is an in-process TCP proxy that holds every chunk of data for a
// latency in each direction: a slow link between two hosts, which netem
// would give but this kernel lacks. It runs toxiproxy's proxy and latency
// toxic in the test's own process, without its HTTP API.
type Delay struct {
	// Addr is where clients connect (host:port).
	Addr string

	mu      sync.Mutex
	p       *toxiproxy.Proxy
	latency time.Duration
	closed  bool
}

// NewDelay starts a Delay listening on listen (host:port, port 0 for a free
// one) and forwarding to upstream, and stops it in tb.Cleanup.
func NewDelay(tb TB, listen, upstream string, latency time.Duration) *Delay {
	tb.Helper()
	d, err := StartDelay(listen, upstream, latency)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	tb.Cleanup(d.Close)
	return d
}

// StartDelay is NewDelay without a test: the caller must Close it.
func StartDelay(listen, upstream string, latency time.Duration) (*Delay, error) {
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, "delay-"+listen+"-"+upstream, listen, upstream)
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("cannot start a delay proxy on %s to %s: %w", listen, upstream, err)
	}
	d := &Delay{Addr: p.Listen, p: p}
	for _, stream := range []string{"upstream", "downstream"} {
		body := fmt.Sprintf(`{"name":"latency_%s","type":"latency","stream":%q,"toxicity":1,"attributes":{"latency":0,"jitter":0}}`, stream, stream)
		if _, err := p.Toxics.AddToxicJson(strings.NewReader(body)); err != nil {
			p.Stop()
			return nil, fmt.Errorf("cannot add a latency toxic: %w", err)
		}
	}
	if err := d.Set(latency); err != nil {
		p.Stop()
		return nil, err
	}
	return d, nil
}

// Set changes the latency of each direction, rounded down to milliseconds;
// it applies to data sent from now on, on open connections too.
func (d *Delay) Set(latency time.Duration) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, stream := range []string{"upstream", "downstream"} {
		body := fmt.Sprintf(`{"attributes":{"latency":%d,"jitter":0}}`, latency.Milliseconds())
		if _, err := d.p.Toxics.UpdateToxicJson("latency_"+stream, strings.NewReader(body)); err != nil {
			return fmt.Errorf("cannot set latency %v: %w", latency, err)
		}
	}
	d.latency = latency
	return nil
}

// Latency returns the latency last set.
func (d *Delay) Latency() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.latency
}

// Close stops the proxy and closes its connections. It is idempotent.
func (d *Delay) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		d.p.Stop()
	}
}
