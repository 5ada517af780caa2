package stats

import (
	"math"
	"sync/atomic"
)

// Histograms
//
// Like C Dynomite, a histogram has NumBuckets fixed buckets whose upper
// bounds grow by about x1.2 (by at least one unit while the values are
// small): 1, 2, 3, ..., 9, 10, 12, 14, 16, 19, ... up to about 4.5e7. A
// value above the last bound counts in the last bucket; the exact maximum
// is kept separately. Percentiles therefore carry at most ~20% error, never
// above the true maximum. Recording is a table lookup (small values) or a
// binary search over the bounds, and two atomic adds (bucket and sum) plus
// a compare-and-swap when the maximum grows, on the recording goroutine's
// shard: no lock, no allocation. The count is the sum of the buckets.

// Hist names one histogram.
type Hist uint8

// The histograms of /info (docs/compat.md §7.3). Latencies and waits are in
// microseconds, sizes in bytes, queue depths in messages.
const (
	RequestLatency           Hist = iota // client request latency: latency_*
	PayloadSize                          // write request size: payload_size_*
	CrossRegionRTT                       // remote-DC peer round trip: *_cross_region_rtt
	CrossZoneLatency                     // local-DC peer round trip: *_cross_zone_latency
	ServerLatency                        // datastore round trip: *_server_latency
	CrossRegionQueueWait                 // time queued for a remote-DC peer
	CrossZoneQueueWait                   // time queued for a local-DC peer
	ServerQueueWait                      // time queued for the datastore
	ClientOutQueueDepth                  // depth: client_out_queue_99
	ServerInQueueDepth                   // depth: server_in_queue_99
	ServerOutQueueDepth                  // depth: server_out_queue_99
	DnodeClientOutQueueDepth             // depth: dnode_client_out_queue_99
	PeerInQueueDepth                     // depth: peer_in_queue_99
	PeerOutQueueDepth                    // depth: peer_out_queue_99
	RemotePeerOutQueueDepth              // depth: remote_peer_out_queue_99
	RemotePeerInQueueDepth               // depth: remote_peer_in_queue_99

	// NumHists is the number of histograms.
	NumHists int = iota
)

// HistDesc describes a histogram for /metrics.
type HistDesc struct {
	Name string // Prometheus-style base name, without prefix
	Unit string // "microseconds", "bytes" or "messages"
	Help string
}

var histTable = [NumHists]HistDesc{
	RequestLatency:           {"request_latency", "microseconds", "Client request latency."},
	PayloadSize:              {"payload_size", "bytes", "Write request payload size."},
	CrossRegionRTT:           {"cross_region_rtt", "microseconds", "Round trip to peers in remote datacenters."},
	CrossZoneLatency:         {"cross_zone_latency", "microseconds", "Round trip to peers in other racks of the local datacenter."},
	ServerLatency:            {"server_latency", "microseconds", "Round trip to the local datastore."},
	CrossRegionQueueWait:     {"cross_region_queue_wait", "microseconds", "Time a request waited in a remote-datacenter peer queue."},
	CrossZoneQueueWait:       {"cross_zone_queue_wait", "microseconds", "Time a request waited in a local-datacenter peer queue."},
	ServerQueueWait:          {"server_queue_wait", "microseconds", "Time a request waited in the datastore queue."},
	ClientOutQueueDepth:      {"client_out_queue", "messages", "Depth of client outgoing queues."},
	ServerInQueueDepth:       {"server_in_queue", "messages", "Depth of datastore incoming queues."},
	ServerOutQueueDepth:      {"server_out_queue", "messages", "Depth of datastore outgoing queues."},
	DnodeClientOutQueueDepth: {"dnode_client_out_queue", "messages", "Depth of dnode client outgoing queues."},
	PeerInQueueDepth:         {"peer_in_queue", "messages", "Depth of local-datacenter peer incoming queues."},
	PeerOutQueueDepth:        {"peer_out_queue", "messages", "Depth of local-datacenter peer outgoing queues."},
	RemotePeerOutQueueDepth:  {"remote_peer_out_queue", "messages", "Depth of remote-datacenter peer outgoing queues."},
	RemotePeerInQueueDepth:   {"remote_peer_in_queue", "messages", "Depth of remote-datacenter peer incoming queues."},
}

// Describe returns the histogram's description.
func (h Hist) Describe() HistDesc { return histTable[h] }

// NumBuckets is the number of histogram buckets, as in C Dynomite.
const NumBuckets = 94

// bounds holds each bucket's inclusive upper bound. Computed once at
// package initialisation and read-only after.
var bounds = makeBounds()

func makeBounds() [NumBuckets]int64 {
	var b [NumBuckets]int64
	b[0] = 1
	for i := 1; i < NumBuckets; i++ {
		b[i] = max(b[i-1]+1, int64(float64(b[i-1])*1.2))
	}
	return b
}

// Bounds returns the inclusive upper bound of every bucket.
func Bounds() [NumBuckets]int64 { return bounds }

// smallBuckets is bucketOf for values below len(smallBuckets) (queue
// depths, short latencies), looked up instead of searched. Computed once
// at package initialisation and read-only after.
var smallBuckets = makeSmallBuckets()

func makeSmallBuckets() [256]uint8 {
	var t [256]uint8
	for v := range t {
		t[v] = uint8(searchBucket(int64(v)))
	}
	return t
}

// bucketOf returns the index of the first bucket whose bound is >= v.
func bucketOf(v int64) int {
	if uint64(v) < uint64(len(smallBuckets)) {
		return int(smallBuckets[v])
	}
	return searchBucket(v)
}

// searchBucket is bucketOf by binary search over the bounds.
func searchBucket(v int64) int {
	lo, hi := 0, NumBuckets-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if bounds[mid] < v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// Observe records value v (negative values count as zero) in histogram h.
// It allocates nothing and never blocks.
func (s *Shard) Observe(h Hist, v int64) { s.ObserveN(h, v, 1) }

// ObserveN records value v n times, as n calls of Observe would: callers
// that see runs of equal values (requests of one pipelined batch) record
// them at once. n <= 0 records nothing.
func (s *Shard) ObserveN(h Hist, v, n int64) {
	if n <= 0 {
		return
	}
	v = max(v, 0)
	s.observeRun(h, bucketOf(v), n, v*n, v)
}

// Run is a run of values that fall in one bucket of a histogram, not yet
// recorded: a caller that sees many values in a row (the replies of one
// read) sums them here and records the run with one ObserveRun when the
// bucket changes or the batch ends, so that neighbouring latencies cost
// two atomic adds in all instead of two each. The zero Run is empty.
type Run struct {
	lo       int64  // the run takes lo <= v <= lo+width: its bucket's
	width    uint64 // values when not empty, 0 alone when empty
	bucket   int
	n        int64
	sum, max int64
}

// Add adds v to the run and reports true when v falls in the run's bucket
// (the empty run takes 0 alone). Otherwise it adds nothing and reports
// false: the caller records the run (ObserveRun), which empties it, and
// starts the next one with v (Start). Small enough to be inlined: two
// comparisons and three adds.
func (r *Run) Add(v int64) bool {
	if uint64(v-r.lo) > r.width {
		return false
	}
	r.n++
	r.sum += v
	r.max = max(r.max, v)
	return true
}

// Start makes v (negative counts as zero) the first value of the run,
// which must be empty (new, or just recorded by ObserveRun).
func (r *Run) Start(v int64) {
	v = max(v, 0)
	b := bucketOf(v)
	r.bucket, r.lo = b, 0
	if b > 0 {
		r.lo = bounds[b-1] + 1
	}
	r.width = uint64(bounds[b] - r.lo)
	if b == NumBuckets-1 {
		r.width = math.MaxInt64 // the last bucket is open-ended
	}
	r.n, r.sum, r.max = 1, v, v
}

// ObserveRun records every value of r in histogram h, as one Observe call
// per value would, and empties r.
func (s *Shard) ObserveRun(h Hist, r *Run) {
	if r.n > 0 {
		s.observeRun(h, r.bucket, r.n, r.sum, r.max)
	}
	*r = Run{}
}

// observeRun adds n values of bucket b summing to sum, the largest maxv:
// two atomic adds, and a compare-and-swap when the maximum grows. The
// count is not kept apart: it is the sum of the buckets.
func (s *Shard) observeRun(h Hist, b int, n, sum, maxv int64) {
	c := s.cells[histBase+int(h)*histStride : histBase+int(h+1)*histStride : histBase+int(h+1)*histStride]
	atomic.AddInt64(&c[b], n)
	atomic.AddInt64(&c[histSum], sum)
	for {
		old := atomic.LoadInt64(&c[histMax])
		if maxv <= old || atomic.CompareAndSwapInt64(&c[histMax], old, maxv) {
			return
		}
	}
}

// Summary is what /info reports for one histogram over the current window
// (since the last reset): exact count, mean and maximum, and bucket-bound
// percentiles.
type Summary struct {
	Count, Max, Mean, P95, P99, P999 int64
}

// HistSnapshot is one histogram at snapshot time.
type HistSnapshot struct {
	// Count, Sum and Buckets are cumulative since the Registry started
	// (Buckets[i] counts the values that fell in bucket i). They feed
	// /metrics and never go down.
	Count   int64
	Sum     int64
	Buckets [NumBuckets]int64
	// Window summarises the values recorded since the last reset.
	Window Summary
}

// summarize computes the window summary of counts (per bucket), with the
// given total count, sum and exact maximum.
func summarize(counts *[NumBuckets]int64, count, sum, maxv int64) Summary {
	s := Summary{Count: count, Max: maxv}
	if count <= 0 {
		return Summary{}
	}
	s.Mean = sum / count
	s.P95 = percentile(counts, count, 0.95, maxv)
	s.P99 = percentile(counts, count, 0.99, maxv)
	s.P999 = percentile(counts, count, 0.999, maxv)
	return s
}

// percentile returns the upper bound of the bucket holding the value of
// rank ceil(p*count), capped at the exact maximum.
func percentile(counts *[NumBuckets]int64, count int64, p float64, maxv int64) int64 {
	rank := int64(math.Ceil(p * float64(count)))
	var seen int64
	for i, c := range counts {
		seen += c
		if seen >= rank {
			if i == NumBuckets-1 {
				return maxv // the last bucket is open-ended
			}
			return min(bounds[i], maxv)
		}
	}
	return maxv
}
