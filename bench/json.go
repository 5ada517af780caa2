package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The JSON result uses memtier_benchmark's layout, so that one reader serves
// both tools:
//
//	{"configuration": {...},
//	 "ALL STATS": {"Sets": {...}, "Gets": {...}, "Waits": {...}, "Totals": {...},
//	               "Runtime": {"Start time": ms, "Finish time": ms,
//	                           "Total duration": ms, "Time unit": "MILLISECONDS"}}}
//
// Each row has "Count", "Ops/sec", "Hits/sec", "Misses/sec", "Latency" and
// "Average Latency" (memtier has used both names), "Min Latency",
// "Max Latency", "KB/sec" and "Percentile Latencies" keyed "p50.00", "p99.90".

type jsonRow struct {
	Count       int64          `json:"Count"`
	OpsSec      float64        `json:"Ops/sec"`
	HitsSec     float64        `json:"Hits/sec"`
	MissesSec   float64        `json:"Misses/sec"`
	Latency     *float64       `json:"Latency,omitempty"`
	AvgLatency  *float64       `json:"Average Latency,omitempty"`
	MinLatency  float64        `json:"Min Latency"`
	MaxLatency  float64        `json:"Max Latency"`
	KBSec       float64        `json:"KB/sec"`
	Errors      int64          `json:"Errors"`
	Percentiles map[string]any `json:"Percentile Latencies"`
}

type jsonRuntime struct {
	Start    int64  `json:"Start time"`
	Finish   int64  `json:"Finish time"`
	Duration int64  `json:"Total duration"`
	Unit     string `json:"Time unit"`
}

type jsonStats struct {
	Sets    jsonRow     `json:"Sets"`
	Gets    jsonRow     `json:"Gets"`
	Waits   jsonRow     `json:"Waits"`
	Totals  jsonRow     `json:"Totals"`
	Runtime jsonRuntime `json:"Runtime"`
}

type jsonDoc struct {
	Configuration map[string]any `json:"configuration"`
	AllStats      jsonStats      `json:"ALL STATS"`
}

// percentileKey names a percentile as memtier's JSON does: two decimals when
// they name it exactly ("p99.90"), else as many digits as it needs.
func percentileKey(p float64) string {
	k := strconv.FormatFloat(p, 'f', 2, 64)
	if v, _ := strconv.ParseFloat(k, 64); v != p {
		k = strconv.FormatFloat(p, 'g', -1, 64)
	}
	return "p" + k
}

func toRow(o *OpResult) jsonRow {
	avg := o.AvgLatency
	r := jsonRow{
		Count: o.Count, OpsSec: o.OpsSec, HitsSec: o.HitsSec, MissesSec: o.MissesSec,
		Latency: &avg, AvgLatency: &avg, MinLatency: o.MinLatency, MaxLatency: o.MaxLatency,
		KBSec: o.KBSec, Errors: o.Errors, Percentiles: map[string]any{},
	}
	for _, p := range o.Percentiles {
		r.Percentiles[percentileKey(p.P)] = p.Ms
	}
	return r
}

func fromRow(r *jsonRow) OpResult {
	o := OpResult{
		Count: r.Count, Errors: r.Errors, OpsSec: r.OpsSec, HitsSec: r.HitsSec, MissesSec: r.MissesSec,
		MinLatency: r.MinLatency, MaxLatency: r.MaxLatency, KBSec: r.KBSec,
	}
	switch {
	case r.AvgLatency != nil:
		o.AvgLatency = *r.AvgLatency
	case r.Latency != nil:
		o.AvgLatency = *r.Latency
	}
	for k, x := range r.Percentiles {
		v, ok := x.(float64)
		p, err := strconv.ParseFloat(strings.TrimPrefix(k, "p"), 64)
		if !ok || err != nil || math.IsNaN(p) {
			continue // e.g. memtier's "Histogram log format" object
		}
		o.Percentiles = append(o.Percentiles, Percentile{P: p, Ms: v})
	}
	sort.Slice(o.Percentiles, func(i, j int) bool { return o.Percentiles[i].P < o.Percentiles[j].P })
	return o
}

// WriteJSON writes the result in memtier's JSON layout.
func (r *Result) WriteJSON(w io.Writer) error {
	c := &r.Config
	doc := jsonDoc{
		Configuration: map[string]any{
			"server": c.Server, "port": c.Port, "unix socket": c.UnixSocket, "protocol": c.Protocol,
			"threads": c.Threads, "clients": c.Clients, "requests": c.Requests,
			"test_time": int(c.TestTime.Seconds()), "ratio": c.Ratio.String(), "pipeline": c.Pipeline,
			"data_size": c.DataSize, "data_size_range": fmt.Sprintf("%d:%d", c.DataSizeMin, c.DataSizeMax),
			"key_prefix": c.KeyPrefix, "key_minimum": c.KeyMinimum, "key_maximum": c.KeyMaximum,
			"key_pattern": string(c.KeyPattern[0]) + ":" + string(c.KeyPattern[1]),
		},
		AllStats: jsonStats{
			Sets: toRow(&r.Sets), Gets: toRow(&r.Gets), Waits: toRow(&r.Waits), Totals: toRow(&r.Totals),
			Runtime: jsonRuntime{
				Start: r.Start.UnixMilli(), Finish: r.End.UnixMilli(),
				Duration: r.Duration.Milliseconds(), Unit: "MILLISECONDS",
			},
		},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(&doc)
}

// ReadJSON reads a result written by WriteJSON or by memtier_benchmark's
// --json-out-file. Only the Sets, Gets, Waits and Totals rows and the runtime
// are read; the returned Result has no histograms and a zero Config.
func ReadJSON(rd io.Reader) (*Result, error) {
	var doc jsonDoc
	if err := json.NewDecoder(rd).Decode(&doc); err != nil {
		return nil, fmt.Errorf("cannot decode result JSON: %w", err)
	}
	s := &doc.AllStats
	if s.Totals.Count == 0 && s.Totals.OpsSec == 0 {
		return nil, fmt.Errorf("cannot use result JSON: no \"ALL STATS\".\"Totals\" row")
	}
	r := &Result{Sets: fromRow(&s.Sets), Gets: fromRow(&s.Gets), Waits: fromRow(&s.Waits), Totals: fromRow(&s.Totals)}
	if s.Runtime.Duration > 0 {
		r.Duration = time.Duration(s.Runtime.Duration) * time.Millisecond
	}
	return r, nil
}
