package admin

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dynomite-go/dynomite/engine/stats"
)

// GET /metrics: the same counters as /info in the Prometheus text format,
// read at scrape time by a custom Collector (no second set of counters).
//
//	dynomite_<name>_total{pool,dc,rack}            pool counters
//	dynomite_<name>{pool,dc,rack}                  pool gauges and timestamps (ms)
//	dynomite_<name>_total{pool,server,dc,rack}     datastore counters
//	dynomite_<name>{pool,server,dc,rack}           datastore gauges and timestamps
//	dynomite_<hist>_<unit>{pool,dc,rack}           histograms (cumulative)
//	dynomite_alloc_msgs ... dynomite_dyn_memory     memory gauges
//	dynomite_uptime_seconds, dynomite_node_state, dynomite_timeout_factor,
//	dynomite_read_repairs_enabled, dynomite_log_level
//	dynomite_peer_state{peer,dc,rack}              state of every node of the topology
//
// <name> is the C metric name. Histograms expose every fourth bucket bound
// of the 94 (bounds about x2 apart) and +Inf; they are cumulative since
// start, so rates work across the /historeset windows of /info.

const namespace = "dynomite"

var (
	poolLabels   = []string{"pool", "dc", "rack"}
	serverLabels = []string{"pool", "server", "dc", "rack"}
	peerLabels   = []string{"peer", "dc", "rack"}
)

// histStep is the stride through the bucket bounds exposed to Prometheus.
const histStep = 4

type collector struct {
	st    *stats.Registry
	node  Node
	descs [stats.NumMetrics]*prometheus.Desc
	kinds [stats.NumMetrics]prometheus.ValueType
	hists [stats.NumHists]*prometheus.Desc
	mem   [stats.NumMem]*prometheus.Desc
	rss   *prometheus.Desc
	up    *prometheus.Desc
	state *prometheus.Desc
	tf    *prometheus.Desc
	rr    *prometheus.Desc
	ll    *prometheus.Desc
	peer  *prometheus.Desc
	conv  []*prometheus.Desc // when the node is a Converger
	mship []*prometheus.Desc // when the node is a MembershipReporter
	le    []float64          // exposed bucket bounds
	leIdx []int              // their bucket indexes
}

func newCollector(st *stats.Registry, node Node) *collector {
	c := &collector{st: st, node: node}
	for i, d := range stats.Table() {
		labels := poolLabels
		if d.Scope == stats.ServerScope {
			labels = serverLabels
		}
		name, kind := d.Name, prometheus.GaugeValue
		if d.Kind == stats.Counter {
			name, kind = d.Name+"_total", prometheus.CounterValue
		}
		c.descs[i] = prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), d.Help, labels, nil)
		c.kinds[i] = kind
	}
	for h := stats.Hist(0); int(h) < stats.NumHists; h++ {
		d := h.Describe()
		c.hists[h] = prometheus.NewDesc(prometheus.BuildFQName(namespace, d.Name, d.Unit), d.Help, poolLabels, nil)
	}
	for g := stats.MemGauge(0); int(g) < stats.NumMem; g++ {
		c.mem[g] = prometheus.NewDesc(prometheus.BuildFQName(namespace, "", g.String()), "# "+g.String()+" (as in /info).", poolLabels, nil)
	}
	c.rss = prometheus.NewDesc(namespace+"_dyn_memory", "Peak resident set size as getrusage ru_maxrss reports it.", poolLabels, nil)
	c.up = prometheus.NewDesc(namespace+"_uptime_seconds", "Seconds since the node started.", poolLabels, nil)
	c.state = prometheus.NewDesc(namespace+"_node_state", "Local node state (0 INIT, 1 STANDBY, 2 WRITES_ONLY, 3 RESUMING, 4 NORMAL, 7 JOINING).", poolLabels, nil)
	c.tf = prometheus.NewDesc(namespace+"_timeout_factor", "Multiplier applied to request timeouts.", poolLabels, nil)
	c.rr = prometheus.NewDesc(namespace+"_read_repairs_enabled", "1 when read repair is enabled.", poolLabels, nil)
	c.ll = prometheus.NewDesc(namespace+"_log_level", "Log verbosity, 0..11.", poolLabels, nil)
	c.peer = prometheus.NewDesc(namespace+"_peer_state", "Node state of each cluster member as this node sees it (4 NORMAL, 8 DOWN, 11 RESET).", peerLabels, nil)
	if _, ok := node.(Converger); ok {
		c.conv = convergenceDescs()
	}
	if _, ok := node.(MembershipReporter); ok {
		c.mship = membershipDescs()
	}
	bounds := stats.Bounds()
	for i := histStep - 1; i < stats.NumBuckets-1; i += histStep {
		c.le = append(c.le, float64(bounds[i]))
		c.leIdx = append(c.leIdx, i)
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
	for _, d := range c.hists {
		ch <- d
	}
	for _, d := range c.mem {
		ch <- d
	}
	for _, d := range []*prometheus.Desc{c.rss, c.up, c.state, c.tf, c.rr, c.ll, c.peer} {
		ch <- d
	}
	for _, d := range c.conv {
		ch <- d
	}
	for _, d := range c.mship {
		ch <- d
	}
}

// Collect implements prometheus.Collector. It sums the shards now, so a
// scrape sees counters as fresh as possible.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	now := time.Now()
	cfg := c.st.Config()
	s := c.st.Snapshot(now)
	pool := []string{cfg.Pool, cfg.DC, cfg.Rack}
	server := []string{cfg.Pool, cfg.Server, cfg.DC, cfg.Rack}
	for i, d := range stats.Table() {
		labels := pool
		if d.Scope == stats.ServerScope {
			labels = server
		}
		ch <- prometheus.MustNewConstMetric(c.descs[i], c.kinds[i], float64(s.Values[i]), labels...)
	}
	for h := range s.Hists {
		hs := &s.Hists[h]
		buckets := make(map[float64]uint64, len(c.le))
		var cum int64
		next := 0
		for i, n := range hs.Buckets {
			cum += n
			if next < len(c.leIdx) && c.leIdx[next] == i {
				buckets[c.le[next]] = uint64(cum)
				next++
			}
		}
		ch <- prometheus.MustNewConstHistogram(c.hists[h], uint64(hs.Count), float64(hs.Sum), buckets, pool...)
	}
	for g := range s.Mem {
		ch <- prometheus.MustNewConstMetric(c.mem[g], prometheus.GaugeValue, float64(s.Mem[g]), pool...)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, pool...)
	}
	gauge(c.rss, float64(s.MaxRSS))
	gauge(c.up, now.Sub(c.st.Start()).Seconds())
	gauge(c.state, float64(c.node.State()))
	gauge(c.tf, float64(c.node.TimeoutFactor()))
	gauge(c.rr, boolFloat(c.node.ReadRepairs()))
	gauge(c.ll, float64(c.node.LogLevel()))
	if cv, ok := c.node.(Converger); ok && c.conv != nil {
		st := cv.ConvergenceStats()
		collectConvergence(ch, c.conv, &st, pool)
	}
	if mr, ok := c.node.(MembershipReporter); ok && c.mship != nil {
		st := mr.MembershipStats()
		collectMembership(ch, c.mship, &st, pool)
	}
	for _, dc := range c.node.Topology().DCs {
		for _, rack := range dc.Racks {
			for _, p := range rack.Servers {
				peer := p.Name + ":" + strconv.Itoa(p.Port)
				ch <- prometheus.MustNewConstMetric(c.peer, prometheus.GaugeValue, float64(p.State), peer, dc.Name, rack.Name)
			}
		}
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
