package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// checkOwners writes keys through alternating nodes and requires each in
// exactly its owners' datastores (one per rack) and readable through every
// node.
func (cl *cluster) checkOwners(keys []string) {
	t := cl.t
	t.Helper()
	bound := peerTimeout + slack
	var clients []*enginetest.Client
	for i := range cl.nodes {
		clients = append(clients, cl.client(i))
	}
	for n, k := range keys {
		replyIs(t, "SET "+k, do(t, "SET", clients[n%len(clients)], bound, "SET", k, "v"+k), nil, "+OK\r\n")
	}
	spread := map[int]int{}
	for _, k := range keys {
		owners := cl.ownersEverywhere(k)
		spread[owners[0]]++
		for i := range cl.nodes {
			own := false
			for _, o := range owners {
				own = own || o == i
			}
			if own && !cl.waitStored(i, k, "v"+k, replWait) {
				t.Fatalf("%q (token %d) is not in the Redis of its owner %s", k, cl.ring.Token([]byte(k)), cl.nodes[i])
			}
			if v, ok := cl.stored(i, k); !own && ok {
				t.Fatalf("%q (token %d, owners %v) is also in the Redis of %s (value %q)", k, cl.ring.Token([]byte(k)), owners, cl.nodes[i], v)
			}
		}
		for i, c := range clients {
			replyIs(t, fmt.Sprintf("GET %s through %s", k, cl.nodes[i]), do(t, "GET", c, bound, "GET", k), nil, bulk("v"+k))
		}
	}
	if len(spread) < 2 {
		t.Fatalf("unexpected spread of the keys over the first rack %v: several nodes must own keys", spread)
	}
	t.Logf("keys per owner in the first rack: %v", spread)
}

// TestClusterHashAndTag: hash and hash_tag from the YAML place keys: with
// murmur3 and the tag "{}", keys sharing a tag live on the same node, in
// exactly the datastore the ring says, and multi-key commands over them
// work.
func TestClusterHashAndTag(t *testing.T) {
	base := enginetest.NodeConfig{Extra: map[string]string{"hash": "murmur3", "hash_tag": `"{}"`}}
	cl := startCluster(t, []enginetest.Member{{Tokens: "0"}, {Tokens: half}}, base, nil, enginetest.ClusterOptions{})
	var keys []string
	for n := 0; n < 30; n++ {
		keys = append(keys, fmt.Sprintf("{user%d}:name", n), fmt.Sprintf("x{user%d}:mail", n))
	}
	keys = append(keys, "no-tag-1", "no-tag-2", "{}:empty-tag", "{unclosed:1")
	cl.checkOwners(keys)
	for n := 0; n < 30; n++ {
		a, b := fmt.Sprintf("{user%d}:name", n), fmt.Sprintf("x{user%d}:mail", n)
		if cl.owner(a, 0) != cl.owner(b, 0) {
			t.Fatalf("%q and %q share the tag but not the owner", a, b)
		}
	}
	c := cl.client(0)
	bound := peerTimeout + slack
	replyIs(t, "MGET over one tag", do(t, "MGET", c, bound, "MGET", "{user3}:name", "x{user3}:mail"), nil, "*2\r\n"+bulk("v{user3}:name")+bulk("vx{user3}:mail"))
	replyIs(t, "EVAL over one tag", do(t, "EVAL", c, bound, "EVAL", "return redis.call('get', KEYS[2])", "2", "{user4}:name", "x{user4}:mail"), nil, bulk("vx{user4}:mail"))
}

// TestClusterVnodes: nodes with several tokens each (virtual nodes) in one
// rack, two racks: every key lives in the Redis of the node owning the
// smallest token >= its hash in each rack, whichever node holds that token.
func TestClusterVnodes(t *testing.T) {
	members := []enginetest.Member{
		{Rack: "rack1", Tokens: "0,2147483648"}, {Rack: "rack1", Tokens: "1073741824,3221225472"},
		{Rack: "rack2", Tokens: "500000000"}, {Rack: "rack2", Tokens: "1500000000,2500000000,3500000000"},
	}
	cl := startCluster(t, members, enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	var keys []string
	for n := 0; n < 60; n++ {
		keys = append(keys, fmt.Sprint("vn:", n))
	}
	cl.checkOwners(keys)
}

// TestClusterEvalSpan: EVAL whose keys live on different nodes of the local
// rack is refused with Dynomite's error; EVAL whose keys share a node runs.
func TestClusterEvalSpan(t *testing.T) {
	cl := startCluster(t, []enginetest.Member{{Tokens: "0"}, {Tokens: half}}, enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	a := cl.keyOwnedBy(0, "ev:a:")
	b := cl.keyOwnedBy(1, "ev:b:")
	a2 := cl.keyOwnedBy(0, a+":")
	c := cl.client(1)
	bound := peerTimeout + slack
	replyIs(t, "EVAL over keys of two nodes", do(t, "EVAL", c, bound, "EVAL", "return 1", "2", a, b), nil, "-ERR Dynomite: Keys in the script cannot span multiple nodes\r\n")
	replyIs(t, "EVAL over keys of one node", do(t, "EVAL", c, bound, "EVAL", "redis.call('set', KEYS[1], ARGV[1]); return redis.call('set', KEYS[2], ARGV[1])", "2", a, a2, "z"), nil, "+OK\r\n")
	for _, k := range []string{a, a2} {
		if v, ok := cl.stored(0, k); !ok || v != "z" {
			t.Fatalf("EVAL through %s: %q is %q (present %v) in the Redis of its owner %s; want \"z\"", cl.nodes[1], k, v, ok, cl.nodes[0])
		}
	}
}

// keySet returns the members of a KEYS or SCAN-page reply as a set.
func keySet(r *enginetest.Reply) map[string]bool {
	m := map[string]bool{}
	for _, e := range r.Elems {
		m[string(e.Str)] = true
	}
	return m
}

// TestClusterRoutingClasses: 2 racks × 2 nodes. KEYS and SCAN see every
// node of the local rack; HGETALL goes to the local rack's owner only, never
// to a quorum; SCRIPT LOAD reaches every node; PING is answered locally.
func TestClusterRoutingClasses(t *testing.T) {
	cl := startCluster(t, twoByTwo(), enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	bound := peerTimeout + slack
	c := cl.client(0)
	for n := 0; n < 30; n++ {
		k := fmt.Sprint("rc:", n)
		replyIs(t, "SET", do(t, "SET", c, bound, "SET", k, "v"), nil, "+OK\r\n")
		for _, i := range cl.ownersEverywhere(k) {
			if !cl.waitStored(i, k, "v", replWait) {
				t.Fatalf("%q did not reach the Redis of %s", k, cl.nodes[i])
			}
		}
	}
	for i := range cl.nodes {
		nc := cl.client(i)
		// KEYS and SCAN cover every node of the node's own rack (beyond
		// C Dynomite, which answers from the local datastore only).
		want := map[string]bool{}
		dc, rack := cl.place(i)
		for j := range cl.nodes {
			if d, r := cl.place(j); d != dc || r != rack {
				continue
			}
			r, err := cl.store(j).Do("KEYS", "*")
			if err != nil {
				t.Fatal(err)
			}
			for k := range keySet(r) {
				want[k] = true
			}
		}
		got := keySet(do(t, "KEYS", nc, bound, "KEYS", "*"))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("KEYS * through %s: got %d keys %v; want the %d keys of its rack %v", cl.nodes[i], len(got), got, len(want), want)
		}
		scanned := map[string]bool{}
		cursor := "0"
		for n := 0; ; n++ {
			r := do(t, "SCAN", nc, bound, "SCAN", cursor, "COUNT", "1000")
			if r.Type != '*' || len(r.Elems) != 2 {
				t.Fatalf("SCAN %s COUNT 1000 through %s: unexpected reply %q", cursor, cl.nodes[i], trunc(r.Raw))
			}
			for k := range keySet(r.Elems[1]) {
				if scanned[k] {
					t.Fatalf("SCAN through %s returned %q twice", cl.nodes[i], k)
				}
				scanned[k] = true
			}
			if cursor = string(r.Elems[0].Str); cursor == "0" {
				break
			}
			if n > 100 {
				t.Fatalf("SCAN through %s did not end", cl.nodes[i])
			}
		}
		if fmt.Sprint(scanned) != fmt.Sprint(want) {
			t.Fatalf("SCAN through %s: got %d keys; want the %d keys of its rack", cl.nodes[i], len(scanned), len(want))
		}
		replyIs(t, "PING through "+cl.nodes[i].String(), do(t, "PING", nc, bound, "PING"), nil, "+PONG\r\n")
	}

	h := cl.keyOwnedBy(1, "rc:h:")
	replyIs(t, "HSET", do(t, "HSET", c, bound, "HSET", h, "f", "v1"), nil, ":1\r\n")
	rack2Owner := cl.ownersEverywhere(h)[1]
	st := cl.store(rack2Owner)
	r, err := st.Do("HSET", h, "f", "other")
	for n := 0; n < 100 && err == nil && string(r.Raw) != ":0\r\n"; n++ {
		// :1 means the replicated HSET has not arrived yet; wait for it
		// and overwrite again.
		time.Sleep(20 * time.Millisecond)
		r, err = st.Do("HSET", h, "f", "other")
	}
	replyIs(t, "HSET in the rack2 owner's Redis", r, err, ":0\r\n")
	for _, i := range []int{0, 2} {
		safe := cl.client(i)
		setConsistency(t, safe, "DC_SAFE_QUORUM")
		want := map[int]string{0: "v1", 2: "other"}[i]
		replyIs(t, "HGETALL at DC_SAFE_QUORUM through "+cl.nodes[i].String(), do(t, "HGETALL", safe, bound, "HGETALL", h), nil, "*2\r\n"+bulk("f")+bulk(want))
	}

	r = do(t, "SCRIPT LOAD", cl.client(1), bound, "SCRIPT", "LOAD", "return 'loaded'")
	if r.Type != '$' || len(r.Str) != 40 {
		t.Fatalf("SCRIPT LOAD: unexpected reply %q; want the script's SHA1", r.Raw)
	}
	sha := string(r.Str)
	for i := range cl.nodes {
		st := cl.store(i)
		ok := false
		for n := 0; n < 100 && !ok; n++ {
			r, err := st.Do("SCRIPT", "EXISTS", sha)
			if err != nil {
				t.Fatal(err)
			}
			ok = string(r.Raw) == "*1\r\n:1\r\n"
			if !ok {
				time.Sleep(30 * time.Millisecond)
			}
		}
		if !ok {
			t.Fatalf("SCRIPT LOAD through %s: the script is not in the Redis of %s", cl.nodes[1], cl.nodes[i])
		}
	}
	replyIs(t, "EVALSHA through another node", do(t, "EVALSHA", cl.client(3), bound, "EVALSHA", sha, "1", "rc:1"), nil, bulk("loaded"))
}
