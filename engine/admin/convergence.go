package admin

import "github.com/prometheus/client_golang/prometheus"

// Hinted handoff, repair and warm-up counters, beyond C Dynomite. A Node
// that also implements Converger shows them in /info, as top-level fields
// after "dyn_memory" (C's fields keep their order), and in /metrics:
//
//	hints_pending, hints_pending_bytes   hints kept now
//	hints_replayed, hints_dropped        since start (dropped: past a bound)
//	repairs_sent                         keys copied to a replica: hint replay,
//	                                     warm-ups and repairs of differences
//	warm_up_scanned, warm_up_copied,     the current or last warm-up or
//	warm_up_total, warm_up_running       comparison (/repair/status has all)

// Converger is what a Node may also implement to report the counters
// above. ConvergenceStats may be called from any goroutine.
type Converger interface {
	ConvergenceStats() ConvergenceStats
}

// ConvergenceStats are a node's hinted handoff and repair counters.
type ConvergenceStats struct {
	HintsPending      int64
	HintsPendingBytes int64
	HintsReplayed     int64
	HintsDropped      int64
	RepairsSent       int64
	WarmScanned       int64
	WarmCopied        int64
	WarmTotal         int64
	WarmRunning       bool
}

// fields lists the counters with their /info names, in order.
func (c *ConvergenceStats) fields() [9]struct {
	name string
	v    int64
} {
	running := int64(0)
	if c.WarmRunning {
		running = 1
	}
	type f = struct {
		name string
		v    int64
	}
	return [9]f{
		{"hints_pending", c.HintsPending}, {"hints_pending_bytes", c.HintsPendingBytes},
		{"hints_replayed", c.HintsReplayed}, {"hints_dropped", c.HintsDropped},
		{"repairs_sent", c.RepairsSent}, {"warm_up_scanned", c.WarmScanned},
		{"warm_up_copied", c.WarmCopied}, {"warm_up_total", c.WarmTotal},
		{"warm_up_running", running},
	}
}

// appendConvergence writes the fields into an /info body being built.
func appendConvergence(w *cjson, c *ConvergenceStats) {
	if c == nil {
		return
	}
	for _, f := range c.fields() {
		w.num(f.name, f.v)
	}
}

// convergenceHelp is the /metrics help of each field; counters end in
// _total there.
var convergenceHelp = map[string]string{
	"hints_pending":       "Hints kept (writes a replica missed, by key).",
	"hints_pending_bytes": "Bytes of the hints kept, as counted toward hints_max_bytes.",
	"hints_replayed":      "Hints replayed to their replica since start.",
	"hints_dropped":       "Hints dropped past hints_max_count or hints_max_bytes since start.",
	"repairs_sent":        "Keys copied to a replica by hint replay, warm-up and repair since start.",
	"warm_up_scanned":     "Keys scanned by the current or last warm-up or comparison.",
	"warm_up_copied":      "Keys copied by the current or last warm-up or comparison.",
	"warm_up_total":       "Keys to scan in the current or last warm-up or comparison (0: unknown).",
	"warm_up_running":     "1 while a warm-up or comparison runs.",
}

// convergenceCounter reports which fields are counters in /metrics.
func convergenceCounter(name string) bool {
	return name == "hints_replayed" || name == "hints_dropped" || name == "repairs_sent"
}

// convergenceDescs returns the /metrics descriptors of the fields, in
// fields order.
func convergenceDescs() []*prometheus.Desc {
	var zero ConvergenceStats
	var out []*prometheus.Desc
	for _, f := range zero.fields() {
		name := f.name
		if convergenceCounter(name) {
			name += "_total"
		}
		out = append(out, prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), convergenceHelp[f.name], poolLabels, nil))
	}
	return out
}

// collectConvergence sends the fields as Prometheus metrics with descs
// from convergenceDescs.
func collectConvergence(ch chan<- prometheus.Metric, descs []*prometheus.Desc, c *ConvergenceStats, labels []string) {
	for i, f := range c.fields() {
		kind := prometheus.GaugeValue
		if convergenceCounter(f.name) {
			kind = prometheus.CounterValue
		}
		ch <- prometheus.MustNewConstMetric(descs[i], kind, float64(f.v), labels...)
	}
}
