package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// twoByTwo is 2 racks × 2 nodes with tokens 0 and 2^31.
func twoByTwo() []enginetest.Member {
	return []enginetest.Member{
		{Rack: "rack1", Tokens: "0"}, {Rack: "rack1", Tokens: half},
		{Rack: "rack2", Tokens: "0"}, {Rack: "rack2", Tokens: half},
	}
}

// mgetWant is the RESP reply of MGET keys given the values (absent keys
// have no entry).
func mgetWant(keys []string, vals map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(keys))
	for _, k := range keys {
		if v, ok := vals[k]; ok {
			b.WriteString(bulk(v))
		} else {
			b.WriteString("$-1\r\n")
		}
	}
	return b.String()
}

// TestClusterMultiKey: 2 racks × 2 nodes. MSET, MGET, EXISTS and DEL over
// keys owned by different nodes are split per owner, replicated, and merged
// in key order, at DC_ONE and DC_QUORUM; 100 values of 64 KiB (requests and
// replies spanning many 16 KiB buffers) split and merge byte for byte.
func TestClusterMultiKey(t *testing.T) {
	cl := startCluster(t, twoByTwo(), enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	bound := peerTimeout + slack
	vals := map[string]string{}
	var keys []string
	args := []string{"MSET"}
	for k := 0; k < 40; k++ {
		key := fmt.Sprint("mk:", k)
		keys = append(keys, key)
		vals[key] = fmt.Sprintf("value-%d", k)
		args = append(args, key, vals[key])
	}
	spread := map[int]int{}
	for _, k := range keys {
		spread[cl.owner(k, 0)]++
	}
	if len(spread) != 2 {
		t.Fatalf("unexpected spread of the keys over rack1 %v: both nodes must own some", spread)
	}
	replyIs(t, "MSET of 40 keys", do(t, "MSET", cl.client(0), bound, args...), nil, "+OK\r\n")
	for _, k := range keys {
		owners := cl.ownersEverywhere(k)
		for i := range cl.nodes {
			isOwner := i == owners[0] || i == owners[1]
			if isOwner && !cl.waitStored(i, k, vals[k], replWait) {
				t.Fatalf("MSET: %q not in the Redis of its owner %s", k, cl.nodes[i])
			}
			if v, ok := cl.stored(i, k); !isOwner && ok {
				t.Fatalf("MSET: %q (value %q) in the Redis of %s, which does not own it", k, v, cl.nodes[i])
			}
		}
	}

	// Shuffled order, missing keys, duplicates.
	query := []string{"mk:39", "mk:none1", "mk:3", "mk:3", "mk:17", "mk:0", "mk:none2", "mk:22", "mk:5", "mk:38", "mk:1"}
	q := cl.client(1)
	setConsistency(t, q, "DC_QUORUM")
	for i := range cl.nodes {
		c := cl.client(i)
		replyIs(t, "MGET through "+cl.nodes[i].String(), do(t, "MGET", c, bound, append([]string{"MGET"}, query...)...), nil, mgetWant(query, vals))
		replyIs(t, "EXISTS through "+cl.nodes[i].String(), do(t, "EXISTS", c, bound, append([]string{"EXISTS"}, query...)...), nil, ":9\r\n")
	}
	replyIs(t, "MGET at DC_QUORUM", do(t, "MGET", q, bound, append([]string{"MGET"}, query...)...), nil, mgetWant(query, vals))
	replyIs(t, "EXISTS at DC_QUORUM", do(t, "EXISTS", q, bound, append([]string{"EXISTS"}, query...)...), nil, ":9\r\n")

	del := []string{"DEL", "mk:3", "mk:none", "mk:17", "mk:0", "mk:22", "mk:5"}
	replyIs(t, "DEL through "+cl.nodes[2].String(), do(t, "DEL", cl.client(2), bound, del...), nil, ":5\r\n")
	for _, k := range del[1:] {
		delete(vals, k)
		for i := range cl.nodes {
			if !cl.waitGone(i, k, replWait) {
				t.Fatalf("DEL: %q still in the Redis of %s", k, cl.nodes[i])
			}
		}
	}
	replyIs(t, "MGET after DEL", do(t, "MGET", cl.client(0), bound, append([]string{"MGET"}, query...)...), nil, mgetWant(query, vals))
	replyIs(t, "MGET after DEL at DC_QUORUM", do(t, "MGET", q, bound, append([]string{"MGET"}, query...)...), nil, mgetWant(query, vals))
	replyIs(t, "EXISTS after DEL", do(t, "EXISTS", q, bound, append([]string{"EXISTS"}, query...)...), nil, ":3\r\n")

	bigMultiKey(t, cl, q)
}

// bigMultiKey moves 100 values of 64 KiB, each with its own content, through
// MSET and MGET in several orders.
func bigMultiKey(t *testing.T, cl *cluster, quorum *enginetest.Client) {
	t.Helper()
	bound := 5 * (peerTimeout + slack)
	vals := map[string]string{}
	var keys []string
	args := []string{"MSET"}
	for k := 0; k < 100; k++ {
		key := fmt.Sprint("big:", k)
		keys = append(keys, key)
		v := bytes.Repeat(fmt.Appendf(nil, "<%s|%03d>", key, k), 65536/10+1)[:65536]
		vals[key] = string(v)
		args = append(args, key, vals[key])
	}
	replyIs(t, "MSET of 100 × 64 KiB", do(t, "MSET", cl.client(3), bound, args...), nil, "+OK\r\n")
	for _, k := range keys {
		for _, i := range cl.ownersEverywhere(k) {
			if !cl.waitStored(i, k, vals[k], replWait) {
				t.Fatalf("MSET of 100 × 64 KiB: %q wrong or missing in the Redis of its owner %s", k, cl.nodes[i])
			}
		}
	}
	rev := make([]string, len(keys))
	for i, k := range keys {
		rev[len(keys)-1-i] = k
	}
	mixed := append([]string{"big:none"}, keys[50:]...)
	mixed = append(mixed, keys[:50]...)
	for _, order := range [][]string{keys, rev, mixed} {
		for i := range cl.nodes {
			r := do(t, "MGET", cl.client(i), bound, append([]string{"MGET"}, order...)...)
			checkBigMGET(t, "MGET of 64 KiB values through "+cl.nodes[i].String(), r, order, vals)
		}
		r := do(t, "MGET", quorum, bound, append([]string{"MGET"}, order...)...)
		checkBigMGET(t, "MGET of 64 KiB values at DC_QUORUM", r, order, vals)
	}
	replyIs(t, "DEL of 100 keys", do(t, "DEL", cl.client(0), bound, append([]string{"DEL"}, rev...)...), nil, ":100\r\n")
}

func checkBigMGET(t *testing.T, what string, r *enginetest.Reply, keys []string, vals map[string]string) {
	t.Helper()
	if r.Type != '*' || len(r.Elems) != len(keys) {
		t.Fatalf("%s: unexpected reply %q; want %d elements", what, trunc(r.Raw), len(keys))
	}
	for i, k := range keys {
		e := r.Elems[i]
		want, ok := vals[k]
		switch {
		case !ok && !e.Null:
			t.Fatalf("%s: element %d (%q): got %q; want nil", what, i, k, trunc(e.Raw))
		case ok && (e.Type != '$' || e.Null || string(e.Str) != want):
			t.Fatalf("%s: element %d (%q): got %q; want the %d bytes starting %q", what, i, k, trunc(e.Raw), len(want), want[:20])
		}
	}
}
