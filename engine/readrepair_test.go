package engine

import (
	"strconv"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/replica/repair"
)

// Read repair on a 3-rack cluster at DC_QUORUM, each node in front of its
// own redis-server: replicas are altered straight in their redis, behind
// the nodes' backs, and read through node 0.

// startRepairCluster starts 3 racks with read repair enabled and both
// levels at DC_QUORUM.
func startRepairCluster(t *testing.T) *testCluster {
	return startTestCluster(t, threeRackMembers(), func(_ int, p *conf.Pool) {
		p.ReadRepairsEnabled = true
		p.ReadConsistency, p.WriteConsistency = "DC_QUORUM", "DC_QUORUM"
	})
}

// redisCmd runs a command straight on node i's redis and returns its reply.
func (tc *testCluster) redisCmd(i int, args ...string) *enginetest.Reply {
	tc.t.Helper()
	c := enginetest.DialTB(tc.t, tc.redis[i].Addr)
	defer c.Close()
	r, err := c.Do(args...)
	if err != nil || r.IsError() {
		tc.t.Fatalf("redis %d: %q: %v %v", i, args, r, err)
	}
	return r
}

// score is the score of member in the sorted set key of node i's redis,
// -1 when absent.
func (tc *testCluster) score(i int, key, member string) int64 {
	tc.t.Helper()
	r := tc.redisCmd(i, "ZSCORE", key, member)
	if r.Null {
		return -1
	}
	v, err := strconv.ParseInt(string(r.Str), 10, 64)
	if err != nil {
		tc.t.Fatalf("redis %d: ZSCORE %s %s: %q", i, key, member, r.Str)
	}
	return v
}

// waitFor polls cond until it holds or d passed.
func waitFor(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// A write through a node reaches every replica as C's EVAL: value plus the
// key in ._add-set with the coordinator's timestamp, the same everywhere.
func TestReadRepairWritesCarryTimestamps(t *testing.T) {
	tc := startRepairCluster(t)
	c := tc.client(0)
	before := time.Now().UnixMilli()
	expect(t, c, "+OK\r\n", "SET", "rr:w", "v1")
	after := time.Now().UnixMilli()
	var ts int64 = -1
	for i := range tc.nodes {
		if !tc.waitStored(i, "rr:w", "v1", true, 3*time.Second) {
			t.Fatalf("the write is not in redis %d", i)
		}
		got := tc.score(i, repair.AddSet, "rr:w")
		if got < before || got > after {
			t.Fatalf("unexpected timestamp in redis %d; got %d; want within [%d, %d]", i, got, before, after)
		}
		if ts >= 0 && got != ts {
			t.Fatalf("unexpected timestamp in redis %d; got %d; want %d as in the other replicas", i, got, ts)
		}
		ts = got
	}
	// SET with options is sent as is: its expiry stays.
	expect(t, c, "+OK\r\n", "SET", "rr:ttl", "v", "EX", "100")
	if r := tc.redisCmd(0, "TTL", "rr:ttl"); r.Int <= 0 {
		t.Fatalf("unexpected TTL of a SET with EX; got %d; want > 0", r.Int)
	}
}

// One replica holds an older value (older timestamp): a quorum read
// returns the newest value and the stale replica is repaired, whichever
// rack is stale (the local one answers first, the others decide or come
// late).
func TestReadRepairStaleValue(t *testing.T) {
	tc := startRepairCluster(t)
	c := tc.client(0)
	for stale := range tc.nodes {
		key := "rr:k" + strconv.Itoa(stale)
		expect(t, c, "+OK\r\n", "SET", key, "new")
		for i := range tc.nodes {
			if !tc.waitStored(i, key, "new", true, 3*time.Second) {
				t.Fatalf("the write is not in redis %d", i)
			}
		}
		ts := tc.score(0, repair.AddSet, key)
		tc.redisCmd(stale, "SET", key, "old")
		tc.redisCmd(stale, "ZADD", repair.AddSet, strconv.FormatInt(ts-1000, 10), key)
		expect(t, c, bulkOf("new"), "GET", key)
		ok := waitFor(3*time.Second, func() bool {
			v, _ := tc.stored(stale, key)
			return v == "new" && tc.score(stale, repair.AddSet, key) == ts
		})
		if !ok {
			v, _ := tc.stored(stale, key)
			t.Fatalf("stale rack %d not repaired; got %q at %d; want %q at %d", stale, v, tc.score(stale, repair.AddSet, key), "new", ts)
		}
	}
}

// One replica holds a newer tombstone: the other replicas get the delete,
// whether the newer reply decided the read (the client gets nil) or came
// after the other two agreed (the client gets their value, as from C).
func TestReadRepairNewerDelete(t *testing.T) {
	tc := startRepairCluster(t)
	c := tc.client(0)
	expect(t, c, "+OK\r\n", "SET", "rr:d", "v")
	for i := range tc.nodes {
		if !tc.waitStored(i, "rr:d", "v", true, 3*time.Second) {
			t.Fatalf("the write is not in redis %d", i)
		}
	}
	ts := tc.score(0, repair.AddSet, "rr:d") + 1000
	tc.redisCmd(1, "DEL", "rr:d")
	tc.redisCmd(1, "ZREM", repair.AddSet, "rr:d")
	tc.redisCmd(1, "ZADD", repair.RemSet, strconv.FormatInt(ts, 10), "rr:d")
	if got := do(t, c, "GET", "rr:d"); got != "$-1\r\n" && got != bulkOf("v") {
		t.Fatalf("unexpected reply to a read with a newer delete in one replica; got %q", got)
	}
	for _, i := range []int{0, 2} {
		ok := waitFor(3*time.Second, func() bool {
			_, present := tc.stored(i, "rr:d")
			return !present && tc.score(i, repair.RemSet, "rr:d") == ts
		})
		if !ok {
			t.Fatalf("redis %d not repaired by the newer delete", i)
		}
	}
	expect(t, c, "$-1\r\n", "GET", "rr:d")
}

// A field repair: HGET through the node returns the newer field value and
// the stale replica's field is rewritten with the winner's timestamp.
func TestReadRepairHashField(t *testing.T) {
	tc := startRepairCluster(t)
	c := tc.client(0)
	expect(t, c, ":1\r\n", "HSET", "rr:h", "f", "new")
	setKey := repair.AddSet + "_rr:h"
	if !waitFor(3*time.Second, func() bool {
		for i := range tc.nodes {
			if tc.score(i, setKey, "f") < 0 {
				return false
			}
		}
		return true
	}) {
		t.Fatal("the field's timestamp is not in every redis")
	}
	ts := tc.score(0, setKey, "f")
	tc.redisCmd(2, "HSET", "rr:h", "f", "old")
	tc.redisCmd(2, "ZADD", setKey, strconv.FormatInt(ts-5, 10), "f")
	expect(t, c, bulkOf("new"), "HGET", "rr:h", "f")
	ok := waitFor(3*time.Second, func() bool {
		r := tc.redisCmd(2, "HGET", "rr:h", "f")
		return string(r.Str) == "new" && tc.score(2, setKey, "f") == ts
	})
	if !ok {
		t.Fatal("the stale field in redis 2 was not repaired")
	}
}

// A quorum delete leaves tombstones, and once every replica answered the
// clean-up removes them from every redis.
func TestReadRepairDeleteCleansTombstones(t *testing.T) {
	tc := startRepairCluster(t)
	c := tc.client(0)
	expect(t, c, "+OK\r\n", "SET", "rr:t", "v")
	for i := range tc.nodes {
		if !tc.waitStored(i, "rr:t", "v", true, 3*time.Second) {
			t.Fatalf("the write is not in redis %d", i)
		}
	}
	expect(t, c, ":1\r\n", "DEL", "rr:t")
	for i := range tc.nodes {
		ok := waitFor(3*time.Second, func() bool {
			_, present := tc.stored(i, "rr:t")
			return !present && tc.score(i, repair.RemSet, "rr:t") < 0 && tc.score(i, repair.AddSet, "rr:t") < 0
		})
		if !ok {
			t.Fatalf("redis %d keeps the key or its metadata after a quorum delete: rem %d add %d",
				i, tc.score(i, repair.RemSet, "rr:t"), tc.score(i, repair.AddSet, "rr:t"))
		}
	}
	expect(t, c, "$-1\r\n", "GET", "rr:t")
}

// With the flag off nothing is rewritten; /read_repairs/enable (the
// admin setter) turns it on for the next requests.
func TestReadRepairOffThenOn(t *testing.T) {
	tc := startTestCluster(t, threeRackMembers(), func(_ int, p *conf.Pool) {
		p.ReadConsistency, p.WriteConsistency = "DC_QUORUM", "DC_QUORUM"
	})
	c := tc.client(0)
	expect(t, c, "+OK\r\n", "SET", "rr:o", "v")
	for i := range tc.nodes {
		if !tc.waitStored(i, "rr:o", "v", true, 3*time.Second) {
			t.Fatalf("the write is not in redis %d", i)
		}
		if r := tc.redisCmd(i, "EXISTS", repair.AddSet); r.Int != 0 {
			t.Fatalf("redis %d has metadata with read repair off", i)
		}
	}
	tc.redisCmd(1, "SET", "rr:o", "other")
	expect(t, c, bulkOf("v"), "GET", "rr:o")
	if v, _ := tc.stored(1, "rr:o"); v != "other" {
		t.Fatalf("a replica changed with read repair off; got %q; want %q", v, "other")
	}
	for _, n := range tc.nodes {
		n.SetReadRepairs(true)
	}
	expect(t, c, "+OK\r\n", "SET", "rr:o", "v2")
	for i := range tc.nodes {
		if !waitFor(3*time.Second, func() bool { return tc.score(i, repair.AddSet, "rr:o") > 0 }) {
			t.Fatalf("redis %d has no timestamp after /read_repairs/enable", i)
		}
	}
	expect(t, c, bulkOf("v2"), "GET", "rr:o")
	if got := tc.nodes[0].ConvergenceStats().RepairsSent; got != 0 {
		t.Fatalf("unexpected repairs sent with agreeing replicas; got %d; want 0", got)
	}
}

// The stale replica answers after the other two agreed (its redis is
// paused): the client is answered by the quorum, and the late reply, older
// than the winner, still gets its repair.
func TestReadRepairLateReply(t *testing.T) {
	tc := startRepairCluster(t)
	c := tc.client(0)
	expect(t, c, "+OK\r\n", "SET", "rr:late", "new")
	for i := range tc.nodes {
		if !tc.waitStored(i, "rr:late", "new", true, 3*time.Second) {
			t.Fatalf("the write is not in redis %d", i)
		}
	}
	ts := tc.score(0, repair.AddSet, "rr:late")
	tc.redisCmd(2, "SET", "rr:late", "old")
	tc.redisCmd(2, "ZADD", repair.AddSet, strconv.FormatInt(ts-1, 10), "rr:late")
	tc.redisCmd(2, "CLIENT", "PAUSE", "500")
	start := time.Now()
	expect(t, c, bulkOf("new"), "GET", "rr:late")
	if d := time.Since(start); d >= 500*time.Millisecond {
		t.Fatalf("the read waited for the paused replica (%v); want the quorum's answer before it", d)
	}
	ok := waitFor(3*time.Second, func() bool {
		v, _ := tc.stored(2, "rr:late")
		return v == "new" && tc.score(2, repair.AddSet, "rr:late") == ts
	})
	if !ok {
		t.Fatal("the late stale replica was not repaired")
	}
}
