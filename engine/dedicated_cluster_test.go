package engine

import (
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// Dedicated connections in a cluster of 3 racks × 1 node: what a blocking
// pop or a transaction changed in one rack reaches the others; PUBLISH
// reaches subscribers on every node.

// redisDo runs args on node i's redis directly.
func (tc *testCluster) redisDo(i int, args ...string) string {
	tc.t.Helper()
	c := enginetest.DialTB(tc.t, tc.redis[i].Addr)
	defer c.Close()
	return do(tc.t, c, args...)
}

// waitRedis polls every rack's redis until args answers want within d.
func (tc *testCluster) waitRedis(want string, d time.Duration, args ...string) {
	tc.t.Helper()
	end := time.Now().Add(d)
	for i := range tc.redis {
		for {
			got := tc.redisDo(i, args...)
			if got == want {
				break
			}
			if time.Now().After(end) {
				tc.t.Fatalf("redis of node %d: unexpected reply to %q; got %q; want %q", i, args, got, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func TestClusterBlockingPopReplicated(t *testing.T) {
	tc := startTestCluster(t, threeRackMembers(), nil)
	a, b := tc.client(0), tc.client(1)
	expect(t, b, ":2\r\n", "RPUSH", "bq", "keep1", "keep2")
	tc.waitRedis(":2\r\n", 3*time.Second, "LLEN", "bq")
	expect(t, a, "*2\r\n$2\r\nbq\r\n$5\r\nkeep1\r\n", "BLPOP", "bq", "1")
	tc.waitRedis("*1\r\n$5\r\nkeep2\r\n", 3*time.Second, "LRANGE", "bq", "0", "-1")
	expect(t, a, "*2\r\n$2\r\nbq\r\n$5\r\nkeep2\r\n", "BLPOP", "bq", "1")
	tc.waitRedis(":0\r\n", 3*time.Second, "LLEN", "bq")

	if err := a.Send("BLPOP", "bq", "5"); err != nil {
		t.Fatal(err)
	}
	a.Flush()
	time.Sleep(100 * time.Millisecond)
	expect(t, b, ":2\r\n", "LPUSH", "bq", "y", "x")
	r, err := a.Read()
	if err != nil || string(r.Raw) != "*2\r\n$2\r\nbq\r\n$1\r\nx\r\n" {
		t.Fatalf("unexpected BLPOP reply; got %v %v", r, err)
	}
	tc.waitRedis("*1\r\n$1\r\ny\r\n", 3*time.Second, "LRANGE", "bq", "0", "-1")

	expect(t, b, ":3\r\n", "ZADD", "bz", "1", "one", "2", "two", "3", "three")
	tc.waitRedis(":3\r\n", 3*time.Second, "ZCARD", "bz")
	expect(t, a, "*3\r\n$2\r\nbz\r\n$3\r\none\r\n$1\r\n1\r\n", "BZPOPMIN", "bz", "1")
	expect(t, a, "*2\r\n$2\r\nbz\r\n*1\r\n*2\r\n$5\r\nthree\r\n$1\r\n3\r\n", "BZMPOP", "1", "1", "bz", "MAX")
	tc.waitRedis("*1\r\n$3\r\ntwo\r\n", 3*time.Second, "ZRANGE", "bz", "0", "-1")
	expect(t, a, "$1\r\ny\r\n", "BLMOVE", "bq", "bq2", "LEFT", "RIGHT", "1")
	tc.waitRedis("*1\r\n$1\r\ny\r\n", 3*time.Second, "LRANGE", "bq2", "0", "-1")
	tc.waitRedis(":0\r\n", 3*time.Second, "LLEN", "bq")
}

func TestClusterPublishReachesEveryNode(t *testing.T) {
	tc := startTestCluster(t, threeRackMembers(), nil)
	s2, s1 := tc.client(2), tc.client(1)
	expect(t, s2, "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", "SUBSCRIBE", "news")
	expect(t, s1, "*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n", "PSUBSCRIBE", "n*")
	a := tc.client(0)
	expect(t, a, ":2\r\n", "PUBLISH", "news", "hi")
	r, err := s2.Read()
	if err != nil || string(r.Raw) != "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n" {
		t.Fatalf("unexpected message on node 2; got %v %v", r, err)
	}
	r, err = s1.Read()
	if err != nil || string(r.Raw) != "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n" {
		t.Fatalf("unexpected message on node 1; got %v %v", r, err)
	}
	expect(t, a, ":0\r\n", "PUBLISH", "other", "x")
}

func TestClusterTransactionReplicated(t *testing.T) {
	tc := startTestCluster(t, threeRackMembers(), nil)
	a := tc.client(0)
	expect(t, a, "+OK\r\n", "MULTI")
	expect(t, a, "+QUEUED\r\n", "SET", "{t}a", "1")
	expect(t, a, "+QUEUED\r\n", "INCRBY", "{t}a", "4")
	expect(t, a, "+QUEUED\r\n", "GET", "{t}a")
	expect(t, a, "+QUEUED\r\n", "RPUSH", "{t}l", "p", "q")
	expect(t, a, "*4\r\n+OK\r\n:5\r\n$1\r\n5\r\n:2\r\n", "EXEC")
	tc.waitRedis("$1\r\n5\r\n", 3*time.Second, "GET", "{t}a")
	tc.waitRedis("*2\r\n$1\r\np\r\n$1\r\nq\r\n", 3*time.Second, "LRANGE", "{t}l", "0", "-1")
	// An aborted transaction changes no rack.
	expect(t, a, "+OK\r\n", "MULTI")
	expect(t, a, "+QUEUED\r\n", "SET", "{t}b", "1")
	expect(t, a, "-ERR Dynomite: command not supported\r\n", "MONITOR")
	expect(t, a, "-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC")
	expect(t, a, "+OK\r\n", "SET", "{t}c", "done")
	tc.waitRedis("$4\r\ndone\r\n", 3*time.Second, "GET", "{t}c")
	tc.waitRedis("$-1\r\n", time.Second, "GET", "{t}b")
}

// In racks of two nodes, the keys of a transaction must have one owner:
// a command spanning owners gets CROSSSLOT at once and EXEC aborts.
func TestClusterTransactionCrossSlot(t *testing.T) {
	members := []member{
		{"dc1", "rack1", []uint32{0}}, {"dc1", "rack1", []uint32{2147483647}},
		{"dc1", "rack2", []uint32{0}}, {"dc1", "rack2", []uint32{2147483647}},
	}
	tc := startTestCluster(t, members, nil)
	a := tc.client(0)
	var mine, other string
	for i := 0; i < 100 && (mine == "" || other == ""); i++ {
		k := "x" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		if tc.ring.Owner(0, 0, tc.ring.Token([]byte(k))) == 0 {
			mine = k
		} else {
			other = k
		}
	}
	if mine == "" || other == "" {
		t.Fatal("cannot find keys of both owners")
	}
	expect(t, a, "+OK\r\n", "MULTI")
	expect(t, a, "+QUEUED\r\n", "SET", mine, "1")
	expect(t, a, "-CROSSSLOT Keys in request don't hash to the same slot\r\n", "MSET", mine, "1", other, "2")
	expect(t, a, "-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC")
	expect(t, a, "-CROSSSLOT Keys in request don't hash to the same slot\r\n", "BLPOP", mine, other, "1")
	expect(t, a, "*-1\r\n", "BLPOP", other, "0.05") // on the owner, through a client tunnel
	expect(t, a, "*-1\r\n", "BLPOP", mine, "0.05")
}
