package admin

import (
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/dynomite-go/dynomite/engine/stats"
)

func scrape(t *testing.T, ts *testServer) map[string]*dto.MetricFamily {
	t.Helper()
	r := ts.get(t, "/metrics")
	if r.code != 200 || !strings.HasPrefix(r.contentType, "text/plain; version=0.0.4") {
		t.Fatalf("unexpected /metrics reply %d %q", r.code, r.contentType)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(r.body))
	if err != nil {
		t.Fatalf("cannot parse /metrics: %v\n%s", err, r.body)
	}
	return fams
}

func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func TestMetricsParse(t *testing.T) {
	ts := startServer(t)
	fixedCounters(ts.st)
	fams := scrape(t, ts)

	// Every table row is there, with the kind and labels the table says.
	for i, d := range stats.Table() {
		name := "dynomite_" + d.Name
		want := dto.MetricType_GAUGE
		if d.Kind == stats.Counter {
			name, want = name+"_total", dto.MetricType_COUNTER
		}
		f, ok := fams[name]
		if !ok {
			t.Fatalf("unexpected missing family %s", name)
		}
		if f.GetType() != want || len(f.GetMetric()) != 1 {
			t.Fatalf("unexpected family %s: type %v, %d metrics", name, f.GetType(), len(f.GetMetric()))
		}
		m := f.GetMetric()[0]
		l := labelsOf(m)
		if l["pool"] != "dyn_o_mite" || l["dc"] != "dc1" || l["rack"] != "rack1" {
			t.Fatalf("unexpected labels of %s: %v", name, l)
		}
		if d.Scope == stats.ServerScope && l["server"] != "127.0.0.1:22122:1" {
			t.Fatalf("unexpected server label of %s: %v", name, l)
		}
		v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
		wantV := float64(i + 1)
		if d.Kind == stats.Timestamp {
			wantV = float64(1700000000000 + int64(i))
		}
		if stats.Metric(i) == stats.StatsCount {
			wantV++ // the scrape itself is a stats request
		}
		if v != wantV {
			t.Fatalf("unexpected value of %s; got %v; want %v", name, v, wantV)
		}
	}

	h := fams["dynomite_request_latency_microseconds"]
	if h.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("unexpected request latency family %v", h)
	}
	hist := h.GetMetric()[0].GetHistogram()
	if hist.GetSampleCount() != 100 || hist.GetSampleSum() != 5050 {
		t.Fatalf("unexpected histogram count/sum %d/%v", hist.GetSampleCount(), hist.GetSampleSum())
	}
	var prev uint64
	for _, b := range hist.GetBucket() {
		if b.GetCumulativeCount() < prev {
			t.Fatalf("unexpected non-cumulative buckets %v", hist.GetBucket())
		}
		prev = b.GetCumulativeCount()
	}

	peers := fams["dynomite_peer_state"].GetMetric()
	if len(peers) != 4 {
		t.Fatalf("unexpected peer_state series; got %d; want 4", len(peers))
	}
	found := false
	for _, m := range peers {
		l := labelsOf(m)
		if l["peer"] == "10.0.0.3:8101" && l["dc"] == "dc1" && l["rack"] == "rack2" && m.GetGauge().GetValue() == float64(Down) {
			found = true
		}
	}
	if !found {
		t.Fatalf("unexpected peer_state series; 10.0.0.3 DOWN in dc1/rack2 missing")
	}
	if v := fams["dynomite_node_state"].GetMetric()[0].GetGauge().GetValue(); v != float64(Normal) {
		t.Fatalf("unexpected node_state; got %v", v)
	}
	if v := fams["dynomite_alloc_msgs"].GetMetric()[0].GetGauge().GetValue(); v != 100 {
		t.Fatalf("unexpected alloc_msgs; got %v", v)
	}
}

// TestMetricsFresh checks that a scrape sums the shards at scrape time,
// not the last /info aggregation.
func TestMetricsFresh(t *testing.T) {
	ts := startServer(t)
	ts.st.Aggregate(time.Now())
	ts.st.Shard(1).Add(stats.ClientReadRequests, 7)
	fams := scrape(t, ts)
	if v := fams["dynomite_client_read_requests_total"].GetMetric()[0].GetCounter().GetValue(); v != 7 {
		t.Fatalf("unexpected client_read_requests; got %v; want 7", v)
	}
}
