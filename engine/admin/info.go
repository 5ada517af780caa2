package admin

import (
	"time"

	"github.com/dynomite-go/dynomite/engine/stats"
)

// The /info body (docs/compat.md §7.3), field for field in C Dynomite's order:
//
//	{"service":"dynomite","source":"<host>","version":"<v>","uptime":<s>,
//	"timestamp":<unix s>,
//	"rack":"<rack>","dc":"<dc>","latency_max":<us>,
//	... histogram summaries, queue-depth 99th percentiles, memory ...
//	"dyn_memory":<ru_maxrss>,
//	"<pool>": {"client_eof":<n>,
//	... every pool metric of the table ...
//	"stats_count":<n>,
//	"<datastore>": {"server_eof":<n>,
//	... every server metric of the table ...
//	"redis_req_other":<n>
//	}}}
//
// The datastore object sits directly inside the pool object, keyed by the
// datastore's stats name (docs/compat.md §7.3).

// histField is one histogram-derived /info field.
type histField struct {
	name string
	hist stats.Hist
	pick func(stats.Summary) int64
}

func pickMax(s stats.Summary) int64  { return s.Max }
func pickP999(s stats.Summary) int64 { return s.P999 }
func pickP99(s stats.Summary) int64  { return s.P99 }
func pickP95(s stats.Summary) int64  { return s.P95 }
func pickMean(s stats.Summary) int64 { return s.Mean }

// histFields lists the histogram fields in /info order.
var histFields = [...]histField{
	{"latency_max", stats.RequestLatency, pickMax},
	{"latency_999th", stats.RequestLatency, pickP999},
	{"latency_99th", stats.RequestLatency, pickP99},
	{"latency_95th", stats.RequestLatency, pickP95},
	{"latency_mean", stats.RequestLatency, pickMean},
	{"payload_size_max", stats.PayloadSize, pickMax},
	{"payload_size_999th", stats.PayloadSize, pickP999},
	{"payload_size_99th", stats.PayloadSize, pickP99},
	{"payload_size_95th", stats.PayloadSize, pickP95},
	{"payload_size_mean", stats.PayloadSize, pickMean},
	{"average_cross_region_rtt", stats.CrossRegionRTT, pickMean},
	{"99_cross_region_rtt", stats.CrossRegionRTT, pickP99},
	{"average_cross_zone_latency", stats.CrossZoneLatency, pickMean},
	{"99_cross_zone_latency", stats.CrossZoneLatency, pickP99},
	{"average_server_latency", stats.ServerLatency, pickMean},
	{"99_server_latency", stats.ServerLatency, pickP99},
	{"average_cross_region_queue_wait", stats.CrossRegionQueueWait, pickMean},
	{"99_cross_region_queue_wait", stats.CrossRegionQueueWait, pickP99},
	{"average_cross_zone_queue_wait", stats.CrossZoneQueueWait, pickMean},
	{"99_cross_zone_queue_wait", stats.CrossZoneQueueWait, pickP99},
	{"average_server_queue_wait", stats.ServerQueueWait, pickMean},
	{"99_server_queue_wait", stats.ServerQueueWait, pickP99},
	{"client_out_queue_99", stats.ClientOutQueueDepth, pickP99},
	{"server_in_queue_99", stats.ServerInQueueDepth, pickP99},
	{"server_out_queue_99", stats.ServerOutQueueDepth, pickP99},
	{"dnode_client_out_queue_99", stats.DnodeClientOutQueueDepth, pickP99},
	{"peer_in_queue_99", stats.PeerInQueueDepth, pickP99},
	{"peer_out_queue_99", stats.PeerOutQueueDepth, pickP99},
	{"remote_peer_out_queue_99", stats.RemotePeerOutQueueDepth, pickP99},
	{"remote_peer_in_queue_99", stats.RemotePeerInQueueDepth, pickP99},
}

// appendInfo appends the /info body for snapshot s, as seen at now, to dst.
func appendInfo(dst []byte, cfg stats.Config, start time.Time, s *stats.Snapshot, now time.Time) []byte {
	return appendInfoWith(dst, cfg, start, s, nil, nil, now)
}

// appendInfoWith is appendInfo with the convergence fields of conv, then
// the membership fields of mem (each none when nil), after "dyn_memory".
func appendInfoWith(dst []byte, cfg stats.Config, start time.Time, s *stats.Snapshot, conv *ConvergenceStats, mem *MembershipStats, now time.Time) []byte {
	w := cjson{b: append(dst, '{')}
	w.str("service", "dynomite")
	w.str("source", cfg.Source)
	w.str("version", cfg.Version)
	w.num("uptime", int64(now.Sub(start)/time.Second))
	w.num("timestamp", now.Unix())
	w.str("rack", cfg.Rack)
	w.str("dc", cfg.DC)
	for _, f := range histFields {
		w.num(f.name, f.pick(s.Hists[f.hist].Window))
	}
	for g := stats.MemGauge(0); int(g) < stats.NumMem; g++ {
		w.num(g.String(), s.Mem[g])
	}
	w.num("dyn_memory", s.MaxRSS)
	appendConvergence(&w, conv)
	appendMembership(&w, mem)

	w.open(cfg.Pool, false)
	descs := stats.Table()
	for i, d := range descs {
		if d.Scope == stats.PoolScope {
			w.num(d.Name, s.Values[i])
		}
	}
	w.open(cfg.Server, false)
	for i, d := range descs {
		if d.Scope != stats.ServerScope {
			continue
		}
		if i == len(descs)-1 { // server metrics close the table
			w.numLast(d.Name, s.Values[i])
		} else {
			w.num(d.Name, s.Values[i])
		}
	}
	w.close(false)
	w.close(false)
	w.footer()
	return w.b
}

// appendClusterDescribe appends the /cluster_describe body (docs/compat.md §7.5):
//
//	{"dcs": [{"name":"dc1","racks": [{"name":"rack1","servers": [{"name":"10.0.0.1","host":"a","port":8101,
//	"token":0
//	}]}]}]}
func appendClusterDescribe(dst []byte, t Topology) []byte {
	w := cjson{b: dst}
	w.open("", false)
	w.open("dcs", true)
	for _, dc := range t.DCs {
		w.open("", false)
		w.str("name", dc.Name)
		w.open("racks", true)
		for _, rack := range dc.Racks {
			w.open("", false)
			w.str("name", rack.Name)
			w.open("servers", true)
			for _, p := range rack.Servers {
				w.open("", false)
				w.str("name", p.Name)
				w.str("host", p.Host)
				w.num("port", int64(p.Port))
				w.numLast("token", int64(p.Token))
				w.close(false)
			}
			w.close(true)
			w.close(false)
		}
		w.close(true)
		w.close(false)
	}
	w.close(true)
	w.footer()
	return w.b
}
