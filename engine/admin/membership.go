package admin

import "github.com/prometheus/client_golang/prometheus"

// Membership counters, beyond C Dynomite. A Node that also implements
// MembershipReporter shows them in /info, as top-level fields after the
// convergence ones, and in /metrics (counters end in _total there):
//
//	seed_polls, seed_poll_failures      seed provider fetches tried, and the
//	                                    ones that kept the last good list
//	seed_changes, seed_skipped          lists that changed the ring; records
//	                                    left out of fetched lists
//	ring_swaps                          rings published after the first
//	gossip_rounds, gossip_sent,         gossip rounds that sent something,
//	gossip_received                     messages sent and received
//	gossip_bad_payloads,                payloads refused whole, malformed
//	gossip_bad_records                  records skipped
//	gossip_changes                      rings gossip delivered
//	throttle_delayed, throttle_refused  requests to remote-DC peers that
//	                                    waited for conn_msg_rate, or got an
//	                                    error reply instead
//
// All are counts since start.

// MembershipReporter is what a Node may also implement to report the
// counters above. MembershipStats may be called from any goroutine.
type MembershipReporter interface {
	MembershipStats() MembershipStats
}

// MembershipStats are a node's seed provider, ring and gossip counters.
type MembershipStats struct {
	SeedPolls, SeedPollFailures, SeedChanges, SeedSkipped int64
	RingSwaps                                             int64
	GossipRounds, GossipSent, GossipReceived              int64
	GossipBadPayloads, GossipBadRecords, GossipChanges    int64
	ThrottleDelayed, ThrottleRefused                      int64
}

type statField struct {
	name string
	v    int64
}

// fields lists the counters with their /info names, in order.
func (m *MembershipStats) fields() [13]statField {
	return [13]statField{
		{"seed_polls", m.SeedPolls}, {"seed_poll_failures", m.SeedPollFailures},
		{"seed_changes", m.SeedChanges}, {"seed_skipped", m.SeedSkipped},
		{"ring_swaps", m.RingSwaps},
		{"gossip_rounds", m.GossipRounds}, {"gossip_sent", m.GossipSent},
		{"gossip_received", m.GossipReceived}, {"gossip_bad_payloads", m.GossipBadPayloads},
		{"gossip_bad_records", m.GossipBadRecords}, {"gossip_changes", m.GossipChanges},
		{"throttle_delayed", m.ThrottleDelayed}, {"throttle_refused", m.ThrottleRefused},
	}
}

// appendMembership writes the fields into an /info body being built.
func appendMembership(w *cjson, m *MembershipStats) {
	if m == nil {
		return
	}
	for _, f := range m.fields() {
		w.num(f.name, f.v)
	}
}

var membershipHelp = map[string]string{
	"seed_polls":          "Seed provider fetches tried since start.",
	"seed_poll_failures":  "Seed provider fetches or lists that kept the last good list, since start.",
	"seed_changes":        "Seed lists that changed the ring since start.",
	"seed_skipped":        "Malformed records left out of fetched seed lists since start.",
	"ring_swaps":          "Rings published after the first since start.",
	"gossip_rounds":       "Gossip rounds that sent something since start.",
	"gossip_sent":         "Gossip messages sent since start.",
	"gossip_received":     "Gossip messages received since start.",
	"gossip_bad_payloads": "Gossip payloads refused whole since start.",
	"gossip_bad_records":  "Malformed gossip records skipped since start.",
	"gossip_changes":      "Rings delivered by gossip since start.",
	"throttle_delayed":    "Requests to remote-DC peers that waited for conn_msg_rate since start.",
	"throttle_refused":    "Requests to remote-DC peers refused by conn_msg_rate since start.",
}

// membershipDescs returns the /metrics descriptors of the fields, in
// fields order.
func membershipDescs() []*prometheus.Desc {
	var zero MembershipStats
	var out []*prometheus.Desc
	for _, f := range zero.fields() {
		out = append(out, prometheus.NewDesc(prometheus.BuildFQName(namespace, "", f.name+"_total"), membershipHelp[f.name], poolLabels, nil))
	}
	return out
}

// collectMembership sends the fields as Prometheus counters with descs
// from membershipDescs.
func collectMembership(ch chan<- prometheus.Metric, descs []*prometheus.Desc, m *MembershipStats, labels []string) {
	for i, f := range m.fields() {
		ch <- prometheus.MustNewConstMetric(descs[i], prometheus.CounterValue, float64(f.v), labels...)
	}
}
