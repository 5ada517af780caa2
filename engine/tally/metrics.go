package tally

import (
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/stats"
)

// CloseMetrics are what a closing datastore or peer conn moves: its queue
// gauges, the requests dropped and timed out, why it closed, the eject.
type CloseMetrics struct {
	InQ, InQBytes, OutQ, OutQBytes stats.Metric
	Dropped, TimedoutReqs          stats.Metric
	Timedout, Err, EOF             stats.Metric
	Ejects, EjectedAt              stats.Metric
}

// PeerMetrics are the metrics of a local-DC or a remote-DC peer conn; the
// close counters are shared with datastore conns.
type PeerMetrics struct {
	CloseMetrics
	RTT, Wait, OutDepth, InDepth stats.Hist
}

// ServerClose are the close metrics of a datastore conn.
var ServerClose = CloseMetrics{
	InQ: stats.InQueue, InQBytes: stats.InQueueBytes,
	OutQ: stats.OutQueue, OutQBytes: stats.OutQueueBytes,
	Dropped: stats.ServerDroppedRequests, TimedoutReqs: stats.ServerTimedoutRequests,
	Timedout: stats.ServerTimedout, Err: stats.ServerErr, EOF: stats.ServerEOF,
	Ejects: stats.ServerEjects, EjectedAt: stats.ServerEjectedAt,
}

var (
	// LocalPeer are the metrics of a conn to a peer in the node's DC.
	LocalPeer = PeerMetrics{
		RTT: stats.CrossZoneLatency, Wait: stats.CrossZoneQueueWait,
		OutDepth: stats.PeerOutQueueDepth, InDepth: stats.PeerInQueueDepth,
		CloseMetrics: CloseMetrics{
			InQ: stats.PeerInQueue, InQBytes: stats.PeerInQueueBytes,
			OutQ: stats.PeerOutQueue, OutQBytes: stats.PeerOutQueueBytes,
			Dropped: stats.PeerDroppedRequests, TimedoutReqs: stats.PeerTimedoutRequests,
			Timedout: stats.PeerTimedout, Err: stats.PeerErr, EOF: stats.PeerEOF,
			Ejects: stats.PeerEjects, EjectedAt: stats.PeerEjectedAt,
		},
	}
	// RemotePeer are the metrics of a conn to a peer in another DC.
	RemotePeer = PeerMetrics{
		RTT: stats.CrossRegionRTT, Wait: stats.CrossRegionQueueWait,
		OutDepth: stats.RemotePeerOutQueueDepth, InDepth: stats.RemotePeerInQueueDepth,
		CloseMetrics: CloseMetrics{
			InQ: stats.RemotePeerInQueue, InQBytes: stats.RemotePeerInQueueBytes,
			OutQ: stats.RemotePeerOutQueue, OutQBytes: stats.RemotePeerOutQueueBytes,
			Dropped: stats.RemotePeerDroppedRequests, TimedoutReqs: stats.RemotePeerTimedoutRequests,
			Timedout: stats.RemotePeerTimedout, Err: stats.PeerErr, EOF: stats.PeerEOF,
			Ejects: stats.PeerEjects, EjectedAt: stats.PeerEjectedAt,
		},
	}
)

// RedisFamilies maps Redis commands to their redis_req_* counters, as C
// Dynomite counts them (docs/compat.md §2.2); commands not in the map
// count in redis_req_other. redis_req_sets, never updated by C, counts
// every command of the set type in addition.
func RedisFamilies() map[*resp.Command]Families {
	fams := make(map[*resp.Command]Families)
	add := func(m stats.Metric, names ...string) {
		for _, name := range names {
			cmd := resp.Lookup([]byte(name))
			if cmd == nil {
				continue
			}
			f := fams[cmd]
			f.M[f.N] = m
			f.N++
			fams[cmd] = f
		}
	}
	add(stats.RedisReqGet, "get")
	add(stats.RedisReqSet, "set")
	add(stats.RedisReqDel, "del")
	add(stats.RedisReqIncrDecr, "incr", "decr")
	add(stats.RedisReqKeys, "keys")
	add(stats.RedisReqMget, "mget")
	add(stats.RedisReqScan, "scan")
	add(stats.RedisReqSort, "sort")
	add(stats.RedisReqPing, "ping")
	add(stats.RedisReqLreqm, "lrem")
	add(stats.RedisReqLists, "lrem", "lrange", "lset", "ltrim", "lindex", "lpushx")
	add(stats.RedisReqSunion, "sunion")
	add(stats.RedisReqSet, "sunion", "setbit", "setex", "setrange", "sadd", "sdiff", "sdiffstore",
		"sinter", "sinterstore", "srem", "sunionstore", "sscan")
	add(stats.RedisReqHashes, "hincrby", "hincrbyfloat", "hset", "hsetnx")
	add(stats.RedisReqSortedsets, "zadd", "zinterstore", "zrange", "zrangebyscore", "zrem", "zrevrange",
		"zrevrangebyscore", "zunionstore", "zscan", "zcount", "zincrby", "zlexcount", "zrangebylex",
		"zremrangebyrank", "zremrangebyscore", "zremrangebylex", "zrevrangebylex")
	// Set commands C counts nowhere but redis_req_other keep that count.
	add(stats.RedisReqOther, "scard", "sismember", "smismember", "smembers", "smove", "spop",
		"srandmember", "sintercard")
	add(stats.RedisReqSets, "sadd", "scard", "sdiff", "sdiffstore", "sinter", "sintercard", "sinterstore",
		"sismember", "smismember", "smembers", "smove", "spop", "srandmember", "srem", "sscan",
		"sunion", "sunionstore")
	return fams
}
