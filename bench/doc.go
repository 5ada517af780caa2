// Package bench is a load generator for Redis and Memcached servers (and
// proxies in front of them) that accepts memtier_benchmark's common flags with
// the same meaning and reports memtier's totals table and JSON layout.
//
// The flow of one run:
//
//	Parse(args) -> Config -> Run(ctx, cfg, progress) -> *Result -> WriteTable / WriteJSON
//
// Run starts Threads x Clients clients. Each client owns one connection; a
// thread is one OS thread with its own epoll instance that drives its
// clients' sockets, as memtier's threads do (thread_linux.go; Linux only,
// elsewhere Run fails at once): every ready connection is read, its
// replies scanned and its next requests written before the thread waits
// again. A client keeps up to Pipeline requests in flight: it appends the
// requests it may send to one reusable buffer, writes them with one call,
// reads whatever arrived, and scans complete replies in place. Request
// buffers, the in-flight queue and the read buffer are allocated once per
// client, so steady state allocates nothing per request. Latency is
// measured from the write that carried a request to the read that
// completed its reply (one clock reading per write and per read, not per
// request) and recorded in HDR histograms per client that are merged at
// the end.
//
// Every run is bounded: by Requests per client, or by TestTime, and in both
// cases by MaxTime; connections carry a read deadline so a silent server
// cannot hang a client.
//
// Imports: of our packages only codec (reply scanning) and perf. Concurrency:
// Run may be called from several goroutines with separate Configs; a Result
// is immutable once returned.
package bench
