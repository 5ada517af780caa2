package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/ring"
)

func threeRacks() []enginetest.Member {
	return []enginetest.Member{{Rack: "rack1"}, {Rack: "rack2"}, {Rack: "rack3"}}
}

// TestClusterThreeRacks: 3 racks × 1 node in one DC. A write through any
// node is readable through every node and lands in every rack's Redis; a
// DEL through another node removes it everywhere; hashes, lists and
// counters replicate too.
func TestClusterThreeRacks(t *testing.T) {
	cl := startCluster(t, threeRacks(), enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	bound := peerTimeout + slack
	for i := range cl.nodes {
		c := cl.client(i)
		for k := 0; k < 20; k++ {
			key, val := fmt.Sprintf("three:%d:%d", i, k), fmt.Sprintf("v%d-%d", i, k)
			replyIs(t, "SET through "+cl.nodes[i].String(), do(t, "SET", c, bound, "SET", key, val), nil, "+OK\r\n")
		}
		replyIs(t, "HSET", do(t, "HSET", c, bound, "HSET", fmt.Sprint("three:h", i), "f", "x"), nil, ":1\r\n")
		replyIs(t, "RPUSH", do(t, "RPUSH", c, bound, "RPUSH", fmt.Sprint("three:l", i), "a", "b"), nil, ":2\r\n")
		// At DC_ONE the other racks' copies of earlier increments may still
		// be on their way, so only the final value is certain.
		if r := do(t, "INCRBY", c, bound, "INCRBY", "three:n", "5"); r.Type != ':' {
			t.Fatalf("INCRBY through %s: unexpected reply %q; want an integer", cl.nodes[i], r.Raw)
		}
	}
	for i := range cl.nodes {
		for j := range cl.nodes {
			for k := 0; k < 20; k++ {
				key, val := fmt.Sprintf("three:%d:%d", i, k), fmt.Sprintf("v%d-%d", i, k)
				if !cl.waitStored(j, key, val, replWait) {
					v, ok := cl.stored(j, key)
					t.Fatalf("written through %s: %q is %q (present %v) in the Redis of %s; want %q", cl.nodes[i], key, v, ok, cl.nodes[j], val)
				}
			}
		}
	}
	for j := range cl.nodes {
		c := cl.client(j)
		s := cl.store(j)
		for i := range cl.nodes {
			for k := 0; k < 20; k += 7 {
				key, val := fmt.Sprintf("three:%d:%d", i, k), fmt.Sprintf("v%d-%d", i, k)
				replyIs(t, "GET through "+cl.nodes[j].String(), do(t, "GET", c, bound, "GET", key), nil, bulk(val))
			}
			r, err := s.Do("HGET", fmt.Sprint("three:h", i), "f")
			replyIs(t, "HGET in the Redis of "+cl.nodes[j].String(), r, err, "$1\r\nx\r\n")
			r, err = s.Do("LRANGE", fmt.Sprint("three:l", i), "0", "-1")
			replyIs(t, "LRANGE in the Redis of "+cl.nodes[j].String(), r, err, "*2\r\n$1\r\na\r\n$1\r\nb\r\n")
		}
		if !cl.waitStored(j, "three:n", "15", replWait) {
			v, _ := cl.stored(j, "three:n")
			t.Fatalf("counter in the Redis of %s: got %q; want 15 (3 × INCRBY 5)", cl.nodes[j], v)
		}
	}
	// A DEL through node 2 of keys written through node 0.
	c := cl.client(2)
	replyIs(t, "DEL", do(t, "DEL", c, bound, "DEL", "three:0:0", "three:0:1", "three:none"), nil, ":2\r\n")
	for j := range cl.nodes {
		for _, k := range []string{"three:0:0", "three:0:1"} {
			if !cl.waitGone(j, k, replWait) {
				t.Fatalf("DEL through %s: %q still in the Redis of %s after %v", cl.nodes[2], k, cl.nodes[j], replWait)
			}
		}
		replyIs(t, "GET of a deleted key through "+cl.nodes[j].String(), do(t, "GET", cl.client(j), bound, "GET", "three:0:1"), nil, "$-1\r\n")
	}
}

// TestClusterTwoNodesOneRack: tokens 0 and 2^31 in one rack. Every key
// lives in exactly the Redis of its owner (murmur, smallest token >= hash,
// wrapping) and is readable through either node.
func TestClusterTwoNodesOneRack(t *testing.T) {
	// The yardstick itself: the murmur test vectors of docs/compat.md §4.2.
	for key, want := range map[string]uint32{"foo": 3303027599, "bar": 516654467, "key1": 1050118838, "hello": 1377504255, "a": 1262581116} {
		if got := ring.Murmur([]byte(key)); got != want {
			t.Fatalf("unexpected murmur(%q); got %d; want %d", key, got, want)
		}
	}
	members := []enginetest.Member{{Tokens: "0"}, {Tokens: half}}
	cl := startCluster(t, members, enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	bound := peerTimeout + slack
	clients := []*enginetest.Client{cl.client(0), cl.client(1)}
	const n = 200
	owned := [2]int{}
	for k := 0; k < n; k++ {
		key := fmt.Sprint("two:", k)
		replyIs(t, "SET "+key, do(t, "SET", clients[k%2], bound, "SET", key, "v"+key), nil, "+OK\r\n")
	}
	for k := 0; k < n; k++ {
		key := fmt.Sprint("two:", k)
		own := cl.owner(key, 0)
		owned[own]++
		tok := cl.ring.Token([]byte(key))
		if v, ok := cl.stored(own, key); !ok || v != "v"+key {
			t.Fatalf("%q (token %d) is %q (present %v) in the Redis of its owner %s; want %q", key, tok, v, ok, cl.nodes[own], "v"+key)
		}
		if v, ok := cl.stored(1-own, key); ok {
			t.Fatalf("%q (token %d, owner %s) is also in the Redis of %s (value %q); want it in exactly one Redis", key, tok, cl.nodes[own], cl.nodes[1-own], v)
		}
		for i, c := range clients {
			replyIs(t, fmt.Sprintf("GET %s through %s", key, cl.nodes[i]), do(t, "GET", c, bound, "GET", key), nil, bulk("v"+key))
		}
	}
	if owned[0] == 0 || owned[1] == 0 {
		t.Fatalf("unexpected key spread %v: both nodes must own keys", owned)
	}
	// Writes of other types follow the same owner.
	for k := 0; k < 20; k++ {
		key := fmt.Sprint("two:h", k)
		replyIs(t, "HSET", do(t, "HSET", clients[1-k%2], bound, "HSET", key, "f", "1"), nil, ":1\r\n")
		own := cl.owner(key, 0)
		s := cl.store(own)
		r, err := s.Do("HGET", key, "f")
		replyIs(t, "HGET in the owner's Redis", r, err, "$1\r\n1\r\n")
		s = cl.store(1 - own)
		r, err = s.Do("EXISTS", key)
		replyIs(t, "EXISTS in the other Redis", r, err, ":0\r\n")
	}
	t.Logf("keys per node: %v", owned)
}

// TestClusterTwoDCs: dc1 with one rack, dc2 with two racks. A write in dc1
// reaches every Redis of dc2 (one forward to dc2, replicated there to all
// its racks) and is readable through dc2's nodes; a write in dc2 reaches dc1.
func TestClusterTwoDCs(t *testing.T) {
	members := []enginetest.Member{
		{DC: "dc1", Rack: "rack1"},
		{DC: "dc2", Rack: "rack1"},
		{DC: "dc2", Rack: "rack2"},
	}
	cl := startCluster(t, members, enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	bound := peerTimeout + slack
	// Remote-DC replication is asynchronous: allow the remote timeout too.
	wait := replWait + 5*time.Second
	for i := range cl.nodes {
		c := cl.client(i)
		for k := 0; k < 10; k++ {
			key := fmt.Sprintf("dc:%d:%d", i, k)
			replyIs(t, "SET through "+cl.nodes[i].String(), do(t, "SET", c, bound, "SET", key, "v"+key), nil, "+OK\r\n")
		}
	}
	for i := range cl.nodes {
		for j := range cl.nodes {
			for k := 0; k < 10; k++ {
				key := fmt.Sprintf("dc:%d:%d", i, k)
				if !cl.waitStored(j, key, "v"+key, wait) {
					t.Fatalf("written through %s: %q never reached the Redis of %s within %v", cl.nodes[i], key, cl.nodes[j], wait)
				}
			}
		}
	}
	for j := range cl.nodes {
		c := cl.client(j)
		for i := range cl.nodes {
			key := fmt.Sprintf("dc:%d:3", i)
			replyIs(t, "GET through "+cl.nodes[j].String(), do(t, "GET", c, bound, "GET", key), nil, bulk("v"+key))
		}
	}
	c := cl.client(0)
	replyIs(t, "DEL in dc1", do(t, "DEL", c, bound, "DEL", "dc:2:0"), nil, ":1\r\n")
	for j := range cl.nodes {
		if !cl.waitGone(j, "dc:2:0", wait) {
			t.Fatalf("DEL through %s: key still in the Redis of %s after %v", cl.nodes[0], cl.nodes[j], wait)
		}
	}

	// DC_EACH_SAFE_QUORUM waits for a quorum in every DC (dc2: both racks),
	// so the write is in every Redis when +OK comes, and a read sees a
	// disagreement inside dc2.
	each := cl.client(0)
	setConsistency(t, each, "DC_EACH_SAFE_QUORUM")
	replyIs(t, "SET at DC_EACH_SAFE_QUORUM", do(t, "SET", each, 2*bound, "SET", "dc:each", "v"), nil, "+OK\r\n")
	for j := range cl.nodes {
		if v, ok := cl.stored(j, "dc:each"); !ok || v != "v" {
			t.Fatalf("SET at DC_EACH_SAFE_QUORUM answered +OK before the write reached the Redis of %s (it holds %q, present %v)", cl.nodes[j], v, ok)
		}
	}
	replyIs(t, "GET at DC_EACH_SAFE_QUORUM", do(t, "GET", each, 2*bound, "GET", "dc:each"), nil, bulk("v"))
	cl.setDirect(2, "dc:each", "x")
	replyIs(t, "GET at DC_EACH_SAFE_QUORUM, dc2's racks disagree", do(t, "GET", each, 2*bound, "GET", "dc:each"), nil, quorumErr)
	replyIs(t, "GET at DC_ONE in dc1", do(t, "GET", c, bound, "GET", "dc:each"), nil, bulk("v"))
}
