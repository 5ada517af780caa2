package stats

import (
	"bufio"
	"fmt"
	"io"
)

// The metric table: one row per pool or server metric, in the order C
// Dynomite declares them (docs/compat.md §2.2), then the pool rows C lacks
// (client_auth_failures and the TLS handshake failures, after stats_count). The row order is the order of -D, of
// the pool and server objects of /info, and of /metrics. Names and
// descriptions are kept byte for byte, typos included ("respones"), because
// tools written for C Dynomite match on them.

// Kind is how a metric's value behaves.
type Kind uint8

// The kinds of C Dynomite's stats codec.
const (
	// Counter only grows; Add is called with positive deltas.
	Counter Kind = iota + 1
	// Gauge goes up and down (connections, queue depths).
	Gauge
	// Timestamp holds the latest non-zero value set (milliseconds since the
	// epoch, as C Dynomite actually stores it).
	Timestamp
)

// String returns the kind's name as used in the docs.
func (k Kind) String() string {
	switch k {
	case Counter:
		return "counter"
	case Gauge:
		return "gauge"
	case Timestamp:
		return "timestamp"
	}
	return "invalid"
}

// Scope says which object of /info a metric belongs to.
type Scope uint8

// Scopes.
const (
	// PoolScope metrics live in the pool object (one per node).
	PoolScope Scope = iota + 1
	// ServerScope metrics live in the datastore object inside the pool object.
	ServerScope
)

// Metrics C Dynomite declares but never updates: DnodeClientInQueue,
// DnodeClientInQueueBytes, PeerEjects, Fragments, StatsCount,
// ServerTimedoutRequests and RedisReqSets. Here every row is updated:
// engine/admin counts StatsCount per admin request, the engine counts the
// others as requests go (engine/stats_hooks.go, stats_peer.go,
// stats_route.go) or adds them to each snapshot (stats_source.go,
// stats_dnode.go). engine's TestStatsEveryRowUpdated checks that no row
// and no histogram is left out.

// Metric identifies one row of the table. Its value is the row index, so a
// Metric indexes the counter arrays directly.
type Metric uint16

// Desc is one row of the metric table.
type Desc struct {
	Name  string // exact C name
	Kind  Kind
	Scope Scope
	Help  string // exact C description
}

// Pool metrics, in C Dynomite's order.
const (
	ClientEOF Metric = iota
	ClientErr
	ClientConnections
	ClientReadRequests
	ClientWriteRequests
	ClientDroppedRequests
	ClientNonQuorumWResponses
	ClientNonQuorumRResponses
	ServerEjects
	DnodeClientEOF
	DnodeClientErr
	DnodeClientConnections
	DnodeClientInQueue
	DnodeClientInQueueBytes
	DnodeClientOutQueue
	DnodeClientOutQueueBytes
	PeerDroppedRequests
	PeerTimedoutRequests
	RemotePeerDroppedRequests
	RemotePeerTimedoutRequests
	RemotePeerFailoverRequests
	PeerEOF
	PeerErr
	PeerTimedout
	RemotePeerTimedout
	PeerConnections
	PeerForwardError
	PeerRequests
	PeerRequestBytes
	PeerResponses
	PeerResponseBytes
	PeerEjectedAt
	PeerEjects
	PeerInQueue
	RemotePeerInQueue
	PeerInQueueBytes
	RemotePeerInQueueBytes
	PeerOutQueue
	RemotePeerOutQueue
	PeerOutQueueBytes
	RemotePeerOutQueueBytes
	PeerMismatchRequests
	ForwardError
	Fragments
	StatsCount
	ClientAuthFailures
	ClientTLSHandshakeFailures
	PeerTLSHandshakeFailures

	// Server (datastore) metrics, in C Dynomite's order.
	ServerEOF
	ServerErr
	ServerTimedout
	ServerEjectedAt
	ServerDroppedRequests
	ServerTimedoutRequests
	ReadRequests
	ReadRequestBytes
	WriteRequests
	WriteRequestBytes
	ReadResponses
	ReadResponseBytes
	WriteResponses
	WriteResponseBytes
	InQueue
	InQueueBytes
	OutQueue
	OutQueueBytes
	RedisReqGet
	RedisReqSet
	RedisReqDel
	RedisReqIncrDecr
	RedisReqKeys
	RedisReqMget
	RedisReqScan
	RedisReqSort
	RedisReqLreqm
	RedisReqSunion
	RedisReqPing
	RedisReqLists
	RedisReqSets
	RedisReqHashes
	RedisReqSortedsets
	RedisReqOther

	// NumMetrics is the number of rows in the table.
	NumMetrics int = iota
)

// firstServer is the first server-scope row; rows before it are pool rows.
const firstServer = ServerEOF

// table is the single source of every metric's name, kind, scope and help.
// It is read-only after package initialisation.
var table = [NumMetrics]Desc{
	ClientEOF:                  {"client_eof", Counter, PoolScope, "# eof on client connections"},
	ClientErr:                  {"client_err", Counter, PoolScope, "# errors on client connections"},
	ClientConnections:          {"client_connections", Gauge, PoolScope, "# active client connections"},
	ClientReadRequests:         {"client_read_requests", Counter, PoolScope, "# client read requests"},
	ClientWriteRequests:        {"client_write_requests", Counter, PoolScope, "# client write responses"},
	ClientDroppedRequests:      {"client_dropped_requests", Counter, PoolScope, "# client dropped requests"},
	ClientNonQuorumWResponses:  {"client_non_quorum_w_responses", Counter, PoolScope, "# client non quorum write responses"},
	ClientNonQuorumRResponses:  {"client_non_quorum_r_responses", Counter, PoolScope, "# client non quorum read responses"},
	ServerEjects:               {"server_ejects", Counter, PoolScope, "# times backend server was ejected"},
	DnodeClientEOF:             {"dnode_client_eof", Counter, PoolScope, "# eof on dnode client connections"},
	DnodeClientErr:             {"dnode_client_err", Counter, PoolScope, "# errors on dnode client connections"},
	DnodeClientConnections:     {"dnode_client_connections", Gauge, PoolScope, "# active dnode client connections"},
	DnodeClientInQueue:         {"dnode_client_in_queue", Gauge, PoolScope, "# dnode client requests in incoming queue"},
	DnodeClientInQueueBytes:    {"dnode_client_in_queue_bytes", Gauge, PoolScope, "current dnode client request bytes in incoming queue"},
	DnodeClientOutQueue:        {"dnode_client_out_queue", Gauge, PoolScope, "# dnode client requests in outgoing queue"},
	DnodeClientOutQueueBytes:   {"dnode_client_out_queue_bytes", Gauge, PoolScope, "current dnode client request bytes in outgoing queue"},
	PeerDroppedRequests:        {"peer_dropped_requests", Counter, PoolScope, "# local dc peer dropped requests"},
	PeerTimedoutRequests:       {"peer_timedout_requests", Counter, PoolScope, "# local dc peer timedout requests"},
	RemotePeerDroppedRequests:  {"remote_peer_dropped_requests", Counter, PoolScope, "# remote dc peer dropped requests"},
	RemotePeerTimedoutRequests: {"remote_peer_timedout_requests", Counter, PoolScope, "# remote dc peer timedout requests"},
	RemotePeerFailoverRequests: {"remote_peer_failover_requests", Counter, PoolScope, "# remote dc peer failover requests"},
	PeerEOF:                    {"peer_eof", Counter, PoolScope, "# eof on peer connections"},
	PeerErr:                    {"peer_err", Counter, PoolScope, "# errors on peer connections"},
	PeerTimedout:               {"peer_timedout", Counter, PoolScope, "# timeouts on local dc peer connections"},
	RemotePeerTimedout:         {"remote_peer_timedout", Counter, PoolScope, "# timeouts on remote dc peer connections"},
	PeerConnections:            {"peer_connections", Gauge, PoolScope, "# active peer connections"},
	PeerForwardError:           {"peer_forward_error", Gauge, PoolScope, "# times we encountered a peer forwarding error"},
	PeerRequests:               {"peer_requests", Counter, PoolScope, "# peer requests"},
	PeerRequestBytes:           {"peer_request_bytes", Counter, PoolScope, "total peer request bytes"},
	PeerResponses:              {"peer_responses", Counter, PoolScope, "# peer respones"},
	PeerResponseBytes:          {"peer_response_bytes", Counter, PoolScope, "total peer response bytes"},
	PeerEjectedAt:              {"peer_ejected_at", Timestamp, PoolScope, "timestamp when peer was ejected"},
	PeerEjects:                 {"peer_ejects", Counter, PoolScope, "# times a peer was ejected"},
	PeerInQueue:                {"peer_in_queue", Gauge, PoolScope, "# local dc peer requests in incoming queue"},
	RemotePeerInQueue:          {"remote_peer_in_queue", Gauge, PoolScope, "# remote dc peer requests in incoming queue"},
	PeerInQueueBytes:           {"peer_in_queue_bytes", Gauge, PoolScope, "current peer request bytes in incoming queue"},
	RemotePeerInQueueBytes:     {"remote_peer_in_queue_bytes", Gauge, PoolScope, "current peer request bytes in incoming queue to remote DC"},
	PeerOutQueue:               {"peer_out_queue", Gauge, PoolScope, "# local dc peer requests in outgoing queue"},
	RemotePeerOutQueue:         {"remote_peer_out_queue", Gauge, PoolScope, "# remote dc peer requests in outgoing queue"},
	PeerOutQueueBytes:          {"peer_out_queue_bytes", Gauge, PoolScope, "current peer request bytes in outgoing queue"},
	RemotePeerOutQueueBytes:    {"remote_peer_out_queue_bytes", Gauge, PoolScope, "current peer request bytes in outgoing queue to remote DC"},
	PeerMismatchRequests:       {"peer_mismatch_requests", Counter, PoolScope, "current dnode peer mismatched messages"},
	ForwardError:               {"forward_error", Counter, PoolScope, "# times we encountered a forwarding error"},
	Fragments:                  {"fragments", Counter, PoolScope, "# fragments created from a multi-vector request"},
	StatsCount:                 {"stats_count", Counter, PoolScope, "# stats request"},
	ClientAuthFailures:         {"client_auth_failures", Counter, PoolScope, "# failed client AUTH attempts"},
	ClientTLSHandshakeFailures: {"client_tls_handshake_failures", Counter, PoolScope, "# failed TLS handshakes on the client port"},
	PeerTLSHandshakeFailures:   {"peer_tls_handshake_failures", Counter, PoolScope, "# failed TLS handshakes on the peer port"},

	ServerEOF:              {"server_eof", Counter, ServerScope, "# eof on server connections"},
	ServerErr:              {"server_err", Counter, ServerScope, "# errors on server connections"},
	ServerTimedout:         {"server_timedout", Counter, ServerScope, "# timeouts on server connections"},
	ServerEjectedAt:        {"server_ejected_at", Timestamp, ServerScope, "timestamp when server was ejected in usec since epoch"},
	ServerDroppedRequests:  {"server_dropped_requests", Counter, ServerScope, "# server dropped requests"},
	ServerTimedoutRequests: {"server_timedout_requests", Counter, ServerScope, "# server timedout requests"},
	ReadRequests:           {"read_requests", Counter, ServerScope, "# read requests"},
	ReadRequestBytes:       {"read_request_bytes", Counter, ServerScope, "total read request bytes"},
	WriteRequests:          {"write_requests", Counter, ServerScope, "# write requests"},
	WriteRequestBytes:      {"write_request_bytes", Counter, ServerScope, "total write request bytes"},
	ReadResponses:          {"read_responses", Counter, ServerScope, "# read respones"},
	ReadResponseBytes:      {"read_response_bytes", Counter, ServerScope, "total read response bytes"},
	WriteResponses:         {"write_responses", Counter, ServerScope, "# write respones"},
	WriteResponseBytes:     {"write_response_bytes", Counter, ServerScope, "total write response bytes"},
	InQueue:                {"in_queue", Gauge, ServerScope, "# requests in incoming queue"},
	InQueueBytes:           {"in_queue_bytes", Gauge, ServerScope, "current request bytes in incoming queue"},
	OutQueue:               {"out_queue", Gauge, ServerScope, "# requests in outgoing queue"},
	OutQueueBytes:          {"out_queue_bytes", Gauge, ServerScope, "current request bytes in outgoing queue"},
	RedisReqGet:            {"redis_req_get", Counter, ServerScope, "# Redis get"},
	RedisReqSet:            {"redis_req_set", Counter, ServerScope, "# Redis set"},
	RedisReqDel:            {"redis_req_del", Counter, ServerScope, "# Redis del"},
	RedisReqIncrDecr:       {"redis_req_incr_decr", Counter, ServerScope, "# Redis incr or decr"},
	RedisReqKeys:           {"redis_req_keys", Counter, ServerScope, "# Redis keys"},
	RedisReqMget:           {"redis_req_mget", Counter, ServerScope, "# Redis mget"},
	RedisReqScan:           {"redis_req_scan", Counter, ServerScope, "# Redis scan"},
	RedisReqSort:           {"redis_req_sort", Counter, ServerScope, "# Redis sort"},
	RedisReqLreqm:          {"redis_req_lreqm", Counter, ServerScope, "# Redis lreqm"},
	RedisReqSunion:         {"redis_req_sunion", Counter, ServerScope, "# Redis sunion"},
	RedisReqPing:           {"redis_req_ping", Counter, ServerScope, "# Redis ping"},
	RedisReqLists:          {"redis_req_lists", Counter, ServerScope, "# Redis lists"},
	RedisReqSets:           {"redis_req_sets", Counter, ServerScope, "# Redis sets"},
	RedisReqHashes:         {"redis_req_hashes", Counter, ServerScope, "# Redis hashes"},
	RedisReqSortedsets:     {"redis_req_sortedsets", Counter, ServerScope, "# Redis sortedsets"},
	RedisReqOther:          {"redis_req_other", Counter, ServerScope, "# Redis other"},
}

// Describe returns the table row of m. It panics on an out-of-range Metric.
func (m Metric) Describe() Desc { return table[m] }

// String returns the metric's exact C name.
func (m Metric) String() string { return table[m].Name }

// Table returns a copy of every row, in C Dynomite's order.
func Table() []Desc {
	out := make([]Desc, NumMetrics)
	copy(out, table[:])
	return out
}

// Lookup returns the metric with the given exact name.
func Lookup(name string) (Metric, bool) {
	for i := range table {
		if table[i].Name == name {
			return Metric(i), true
		}
	}
	return 0, false
}

// Describe writes the stats description that `dynomite -D` prints after its
// version line (docs/compat.md §2.2), starting at "pool stats:":
//
//	pool stats:
//	  client_eof          "# eof on client connections"
//	  ...
//	<blank line>
//	server stats:
//	  server_eof          "# eof on server connections"
//	  ...
//
// Each row is two spaces, the name left-justified in 20 columns (no
// separator when longer, as C's %-20s) and the quoted description. Lines end
// in "\n". The "This is dynomite-<version>" line and the blank line after it
// belong to the caller; DescribeVersion writes them too.
func Describe(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("pool stats:\n")
	for m := Metric(0); m < firstServer; m++ {
		writeDescribeRow(bw, table[m])
	}
	bw.WriteString("\nserver stats:\n")
	for m := firstServer; int(m) < NumMetrics; m++ {
		writeDescribeRow(bw, table[m])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cannot write stats description: %w", err)
	}
	return nil
}

// DescribeVersion writes the whole -D output: "This is dynomite-<version>",
// a blank line, then what Describe writes.
func DescribeVersion(w io.Writer, version string) error {
	if _, err := fmt.Fprintf(w, "This is dynomite-%s\n\n", version); err != nil {
		return fmt.Errorf("cannot write stats description: %w", err)
	}
	return Describe(w)
}

func writeDescribeRow(bw *bufio.Writer, d Desc) {
	fmt.Fprintf(bw, "  %-20s\"%s\"\n", d.Name, d.Help)
}
