package matrix

import (
	"fmt"
	"strings"
	"time"

	"github.com/dynomite-go/dynomite/bench"
)

// Workload is one load shape of the matrix.
type Workload struct {
	Name     string
	Threads  int
	Clients  int
	Pipeline int
	Ratio    bench.Ratio
	DataSize int
	// Protocol is "" for Redis, or bench.ProtoMemcacheText: such a workload runs
	// only against the memcached targets, and its ratio is to memcached direct.
	Protocol string
}

// Workloads are the matrix's load shapes, in the order they run. mix,
// pipe16 and 1k are the matrix's own (2 threads x 25 clients); the -2x4
// variants are the same loads at 2 threads x 4 clients, the shape the
// single-node and cluster targets are stated in (C Dynomite's reference
// figures were measured so).
var Workloads = []Workload{
	{Name: "mix", Threads: 2, Clients: 25, Pipeline: 1, Ratio: bench.Ratio{Set: 1, Get: 10}, DataSize: 32},
	{Name: "pipe16", Threads: 2, Clients: 25, Pipeline: 16, Ratio: bench.Ratio{Set: 1, Get: 10}, DataSize: 32},
	{Name: "1k", Threads: 2, Clients: 25, Pipeline: 1, Ratio: bench.Ratio{Set: 1, Get: 1}, DataSize: 1024},
	{Name: "mix-2x4", Threads: 2, Clients: 4, Pipeline: 1, Ratio: bench.Ratio{Set: 1, Get: 10}, DataSize: 32},
	{Name: "pipe16-2x4", Threads: 2, Clients: 4, Pipeline: 16, Ratio: bench.Ratio{Set: 1, Get: 10}, DataSize: 32},
	{Name: "1k-2x4", Threads: 2, Clients: 4, Pipeline: 1, Ratio: bench.Ratio{Set: 1, Get: 1}, DataSize: 1024},
	{Name: "fanin", Threads: 2, Clients: 50, Pipeline: 1, Ratio: bench.Ratio{Set: 1, Get: 10}, DataSize: 32},
	{Name: "latency", Threads: 1, Clients: 1, Pipeline: 1, Ratio: bench.Ratio{Set: 1, Get: 10}, DataSize: 32},
}

// MemcachedWorkloads run with -memcached: memtier's -P memcache_text, 1:10,
// 2 threads x 25 clients, no pipeline.
var MemcachedWorkloads = []Workload{
	{Name: "mc-mix", Threads: 2, Clients: 25, Pipeline: 1, Ratio: bench.Ratio{Set: 1, Get: 10}, DataSize: 32, Protocol: bench.ProtoMemcacheText},
}

// baselineOf names the direct target a workload's ratios are taken against.
func baselineOf(workload string) string {
	for _, w := range MemcachedWorkloads {
		if w.Name == workload {
			return memcachedTarget
		}
	}
	return "redis"
}

// String describes the workload in one line.
func (w Workload) String() string {
	s := fmt.Sprintf("%s SET:GET, %d B values, %d threads x %d clients", w.Ratio, w.DataSize, w.Threads, w.Clients)
	if w.Pipeline > 1 {
		s += fmt.Sprintf(", pipeline %d", w.Pipeline)
	}
	return s
}

// Config returns the generator configuration of one run of w against
// 127.0.0.1:port for d, over keys [0, keys].
func (w Workload) Config(port int, d time.Duration, keys uint64) bench.Config {
	c := bench.DefaultConfig()
	c.Server, c.Port = "127.0.0.1", port
	c.Threads, c.Clients, c.Pipeline = w.Threads, w.Clients, w.Pipeline
	c.Ratio, c.DataSize = w.Ratio, w.DataSize
	c.Requests, c.TestTime = 0, d
	c.KeyMaximum = keys
	c.HideHistogram = true
	if w.Protocol != "" {
		c.Protocol = w.Protocol
	}
	return c
}

// selectWorkloads returns the workloads named in a comma-separated list
// ("" or "all" for every one).
func selectWorkloads(list string, memcached bool) ([]Workload, error) {
	if list == "" || list == "all" {
		if memcached {
			return append(append([]Workload(nil), Workloads...), MemcachedWorkloads...), nil
		}
		return Workloads, nil
	}
	var out []Workload
	for _, name := range strings.Split(list, ",") {
		found := false
		for _, w := range append(append([]Workload(nil), Workloads...), MemcachedWorkloads...) {
			if w.Name == strings.TrimSpace(name) {
				out = append(out, w)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown workload %q (have mix, pipe16, 1k, fanin, latency, mc-mix)", name)
		}
	}
	return out, nil
}
