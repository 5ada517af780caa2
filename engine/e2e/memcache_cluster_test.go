package e2e

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// mcGetWant is the reply of a get (or, cas numbers aside, gets) of keys
// given the values: VALUE blocks in key order, absent keys skipped, one END.
func mcGetWant(keys []string, vals map[string]string) string {
	var b strings.Builder
	for _, k := range keys {
		if v, ok := vals[k]; ok {
			fmt.Fprintf(&b, "VALUE %s 0 %d\r\n%s\r\n", k, len(v), v)
		}
	}
	b.WriteString("END\r\n")
	return b.String()
}

func mcExpect(t *testing.T, what string, c *mcConn, cmd, want string) {
	t.Helper()
	r, err := c.do(cmd)
	if err != nil {
		t.Fatalf("%s: %s: %v", what, trunc([]byte(cmd)), err)
	}
	if got := r.norm(); got != want {
		t.Fatalf("%s: %s: unexpected reply %q; want %q", what, trunc([]byte(cmd)), trunc([]byte(got)), trunc([]byte(want)))
	}
}

// TestMemcacheClusterReplication: 3 racks × 1 node in front of memcached.
// Sets (also noreply) through any node land in every rack's memcached and
// are readable through every node, multi-key gets included; deletes through
// another node remove them from every memcached.
func TestMemcacheClusterReplication(t *testing.T) {
	cl := startCluster(t, threeRacks(), enginetest.NodeConfig{DataStore: 1}, nil, enginetest.ClusterOptions{})
	vals := map[string]string{}
	var keys []string
	for i := range cl.nodes {
		c := dialMC(t, cl.nodes[i].Node.Addr)
		for k := 0; k < 10; k++ {
			key := fmt.Sprintf("mc:%d:%d", i, k)
			v := fmt.Sprintf("value %d/%d\r\nwith CR LF", i, k)
			keys = append(keys, key)
			vals[key] = v
			if k == 9 {
				c.send(fmt.Appendf(nil, "set %s 0 0 %d noreply\r\n%s\r\n", key, len(v), v))
				continue
			}
			mcExpect(t, "set through "+cl.nodes[i].String(), c, fmt.Sprintf("set %s 0 0 %d\r\n%s\r\n", key, len(v), v), "STORED\r\n")
		}
		// The get after the noreply set shows it and that nothing stalled.
		mcExpect(t, "get after a noreply set", c, fmt.Sprintf("get mc:%d:9\r\n", i), mcGetWant([]string{fmt.Sprintf("mc:%d:9", i)}, vals))
	}
	for _, k := range keys {
		for j := range cl.nodes {
			if !cl.waitStored(j, k, vals[k], replWait) {
				v, ok := cl.stored(j, k)
				t.Fatalf("%q is %q (present %v) in the memcached of %s; want %q", k, v, ok, cl.nodes[j], vals[k])
			}
		}
	}
	shuffled := append([]string{"mc:none"}, keys...)
	rand.New(rand.NewPCG(4, 5)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for j := range cl.nodes {
		c := dialMC(t, cl.nodes[j].Node.Addr)
		mcExpect(t, "get through "+cl.nodes[j].String(), c, "get mc:2:3\r\n", mcGetWant([]string{"mc:2:3"}, vals))
		mcExpect(t, "multi-key get through "+cl.nodes[j].String(), c, "get "+strings.Join(shuffled, " ")+"\r\n", mcGetWant(shuffled, vals))
		mcExpect(t, "multi-key gets through "+cl.nodes[j].String(), c, "gets "+strings.Join(shuffled[:7], " ")+"\r\n", mcGetWant(shuffled[:7], vals))
	}
	// Deletes through another node than the writer.
	c := dialMC(t, cl.nodes[1].Node.Addr)
	mcExpect(t, "delete", c, "delete mc:0:1\r\n", "DELETED\r\n")
	mcExpect(t, "delete of a missing key", c, "delete mc:none\r\n", "NOT_FOUND\r\n")
	c.send([]byte("delete mc:2:5 noreply\r\n"))
	delete(vals, "mc:0:1")
	delete(vals, "mc:2:5")
	mcExpect(t, "get after deletes", c, "get mc:0:1 mc:2:5 mc:0:2\r\n", mcGetWant([]string{"mc:0:1", "mc:2:5", "mc:0:2"}, vals))
	for _, k := range []string{"mc:0:1", "mc:2:5"} {
		for j := range cl.nodes {
			if !cl.waitGone(j, k, replWait) {
				t.Fatalf("delete through %s: %q still in the memcached of %s after %v", cl.nodes[1], k, cl.nodes[j], replWait)
			}
		}
	}
	// Other writes replicate too.
	mcExpect(t, "set counter", c, "set mc:n 0 0 2\r\n10\r\n", "STORED\r\n")
	mcExpect(t, "incr", c, "incr mc:n 5\r\n", "15\r\n")
	mcExpect(t, "append", c, "append mc:0:2 0 0 3\r\nEND\r\n", "STORED\r\n")
	for j := range cl.nodes {
		if !cl.waitStored(j, "mc:n", "15", replWait) || !cl.waitStored(j, "mc:0:2", vals["mc:0:2"]+"END", replWait) {
			t.Fatalf("incr/append did not reach the memcached of %s", cl.nodes[j])
		}
	}
}

// TestMemcacheClusterSplit: one rack of 2 nodes (tokens 0 and 2^31) in
// front of memcached. Every key lives only in its owner's memcached; a get
// or gets of 100 keys owned by both nodes is split and merged: VALUE blocks
// in key order and a single END, through either node.
func TestMemcacheClusterSplit(t *testing.T) {
	members := []enginetest.Member{{Tokens: "0"}, {Tokens: half}}
	cl := startCluster(t, members, enginetest.NodeConfig{DataStore: 1}, nil, enginetest.ClusterOptions{})
	vals := map[string]string{}
	var keys []string
	clients := []*mcConn{dialMC(t, cl.nodes[0].Node.Addr), dialMC(t, cl.nodes[1].Node.Addr)}
	owned := [2]int{}
	for k := 0; k < 120; k++ {
		key := fmt.Sprint("sp:", k)
		v := strings.Repeat(fmt.Sprintf("<%d>", k), 1+k*50)
		if k%12 != 0 { // every twelfth key stays absent
			mcExpect(t, "set", clients[k%2], fmt.Sprintf("set %s 0 0 %d\r\n%s\r\n", key, len(v), v), "STORED\r\n")
			vals[key] = v
		}
		keys = append(keys, key)
	}
	for k, v := range vals {
		own := cl.owner(k, 0)
		owned[own]++
		if got, ok := cl.stored(own, k); !ok || got != v {
			t.Fatalf("%q is not in the memcached of its owner %s", k, cl.nodes[own])
		}
		if _, ok := cl.stored(1-own, k); ok {
			t.Fatalf("%q (owner %s) is also in the memcached of %s", k, cl.nodes[own], cl.nodes[1-own])
		}
	}
	if owned[0] == 0 || owned[1] == 0 {
		t.Fatalf("unexpected key spread %v: both nodes must own keys", owned)
	}
	query := keys[10:110]
	rev := make([]string, len(query))
	for i, k := range query {
		rev[len(query)-1-i] = k
	}
	for i, c := range clients {
		for _, q := range [][]string{query, rev} {
			mcExpect(t, "get of 100 keys through "+cl.nodes[i].String(), c, "get "+strings.Join(q, " ")+"\r\n", mcGetWant(q, vals))
			r, err := c.do("gets " + strings.Join(q, " ") + "\r\n")
			if err != nil {
				t.Fatalf("gets of 100 keys: %v", err)
			}
			if got := r.norm(); got != mcGetWant(q, vals) {
				t.Fatalf("gets of 100 keys through %s: unexpected reply %q", cl.nodes[i], trunc([]byte(got)))
			}
			for _, it := range r.items {
				if it.cas == "" {
					t.Fatalf("gets through %s: VALUE line of %q without a cas number", cl.nodes[i], it.key)
				}
			}
		}
	}
}

// setMC writes key=val straight into node i's memcached.
func (cl *cluster) setMC(i int, key, val string) {
	cl.t.Helper()
	c := dialMC(cl.t, cl.nodes[i].Store.Addr)
	defer c.close()
	mcExpect(cl.t, "set in the memcached of "+cl.nodes[i].String(), c, fmt.Sprintf("set %s 0 0 %d\r\n%s\r\n", key, len(val), val), "STORED\r\n")
}

// TestMemcacheClusterQuorum: 3 racks × 1 node in front of memcached; node 0
// at DC_QUORUM, node 1 at DC_SAFE_QUORUM, node 2 at DC_ONE (YAML). One
// replica differing: both quorum levels answer the majority value, DC_ONE
// the own rack's. Three different values: DC_SAFE_QUORUM answers
// SERVER_ERROR Dynomite: Failed to achieve Quorum, DC_QUORUM one of them.
func TestMemcacheClusterQuorum(t *testing.T) {
	levels := []string{"DC_QUORUM", "DC_SAFE_QUORUM", ""}
	cl := startCluster(t, threeRacks(), enginetest.NodeConfig{DataStore: 1}, func(i int, c *enginetest.NodeConfig) {
		if levels[i] != "" {
			withConsistency(c, levels[i])
		}
	}, enginetest.ClusterOptions{})
	q, s, one := dialMC(t, cl.nodes[0].Node.Addr), dialMC(t, cl.nodes[1].Node.Addr), dialMC(t, cl.nodes[2].Node.Addr)
	mcExpect(t, "set at DC_QUORUM", q, "set qk 0 0 2\r\nv1\r\n", "STORED\r\n")
	for j := range cl.nodes {
		if !cl.waitStored(j, "qk", "v1", replWait) {
			t.Fatalf("qk did not reach the memcached of %s", cl.nodes[j])
		}
	}
	cl.setMC(2, "qk", "other")
	val := func(v string) string { return mcGetWant([]string{"qk"}, map[string]string{"qk": v}) }
	for n := 0; n < 5; n++ {
		mcExpect(t, "get at DC_QUORUM, one replica differs", q, "get qk\r\n", val("v1"))
		mcExpect(t, "get at DC_SAFE_QUORUM, one replica differs", s, "get qk\r\n", val("v1"))
		mcExpect(t, "get at DC_ONE through the differing rack", one, "get qk\r\n", val("other"))
	}
	for i, v := range []string{"a", "b", "c"} {
		cl.setMC(i, "qk", v)
	}
	for n := 0; n < 5; n++ {
		mcExpect(t, "get at DC_SAFE_QUORUM, three values", s, "get qk\r\n", "SERVER_ERROR Dynomite: Failed to achieve Quorum\r\n")
		r, err := q.do("get qk\r\n")
		if err != nil {
			t.Fatalf("get at DC_QUORUM, three values: %v", err)
		}
		if got := r.norm(); got != val("a") && got != val("b") && got != val("c") {
			t.Fatalf("get at DC_QUORUM, three values: unexpected reply %q; want one of the replicas' values", got)
		}
	}
	mcExpect(t, "set at DC_SAFE_QUORUM", s, "set qk 0 0 5\r\nfixed\r\n", "STORED\r\n")
	for j := range cl.nodes {
		if !cl.waitStored(j, "qk", "fixed", replWait) {
			t.Fatalf("set at DC_SAFE_QUORUM did not reach the memcached of %s", cl.nodes[j])
		}
	}
	mcExpect(t, "get at DC_SAFE_QUORUM after the replicas agree", s, "get qk\r\n", val("fixed"))
}
