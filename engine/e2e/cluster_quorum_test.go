package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

const quorumErr = "-ERR Dynomite: Failed to achieve Quorum\r\n"

// setConsistency sends dyno_config:conn_consistency on c and requires +OK.
func setConsistency(t *testing.T, c *enginetest.Client, level string) {
	t.Helper()
	replyIs(t, "dyno_config:conn_consistency "+level, do(t, "conn_consistency", c, peerTimeout+slack, "dyno_config:conn_consistency", level), nil, "+OK\r\n")
}

// setDirect writes key=val straight into node i's Redis.
func (cl *cluster) setDirect(i int, key, val string) {
	cl.t.Helper()
	s := cl.store(i)
	defer s.Close()
	r, err := s.Do("SET", key, val)
	replyIs(cl.t, "SET in the Redis of "+cl.nodes[i].String(), r, err, "+OK\r\n")
}

// TestClusterQuorum: 3 racks × 1 node; node 0 reads and writes at DC_QUORUM
// and node 1 at DC_SAFE_QUORUM (YAML), node 2 at the default DC_ONE with
// levels set per connection. One replica holding a different value: both
// quorum levels answer the majority value, DC_ONE the own rack's. Three
// different values: DC_SAFE_QUORUM answers the quorum error, DC_QUORUM one
// of the values.
func TestClusterQuorum(t *testing.T) {
	levels := []string{"DC_QUORUM", "DC_SAFE_QUORUM", ""}
	cl := startCluster(t, threeRacks(), enginetest.NodeConfig{}, func(i int, c *enginetest.NodeConfig) {
		if levels[i] != "" {
			withConsistency(c, levels[i])
		}
	}, enginetest.ClusterOptions{})
	bound := peerTimeout + slack
	q, s, one := cl.client(0), cl.client(1), cl.client(2)

	replyIs(t, "SET at DC_QUORUM", do(t, "SET", q, bound, "SET", "q:k", "v1"), nil, "+OK\r\n")
	replyIs(t, "SET at DC_SAFE_QUORUM", do(t, "SET", s, bound, "SET", "q:s", "w1"), nil, "+OK\r\n")
	for j := range cl.nodes {
		if !cl.waitStored(j, "q:k", "v1", replWait) || !cl.waitStored(j, "q:s", "w1", replWait) {
			t.Fatalf("quorum writes did not reach the Redis of %s within %v", cl.nodes[j], replWait)
		}
	}

	// One replica (rack3) differs: the majority wins at both quorum levels.
	cl.setDirect(2, "q:k", "other")
	for n := 0; n < 5; n++ {
		replyIs(t, "GET at DC_QUORUM (YAML), one replica differs", do(t, "GET", q, bound, "GET", "q:k"), nil, bulk("v1"))
		replyIs(t, "GET at DC_SAFE_QUORUM (YAML), one replica differs", do(t, "GET", s, bound, "GET", "q:k"), nil, bulk("v1"))
		replyIs(t, "GET at DC_ONE through rack3", do(t, "GET", one, bound, "GET", "q:k"), nil, bulk("other"))
	}
	oneQ := cl.client(2)
	setConsistency(t, oneQ, "DC_QUORUM")
	replyIs(t, "GET at DC_QUORUM (per connection) through rack3, whose replica differs", do(t, "GET", oneQ, bound, "GET", "q:k"), nil, bulk("v1"))
	replyIs(t, "GET at DC_ONE on another connection of the same node", do(t, "GET", one, bound, "GET", "q:k"), nil, bulk("other"))

	// Three different values.
	for i, v := range []string{"a", "b", "c"} {
		cl.setDirect(i, "q:k", v)
	}
	for n := 0; n < 5; n++ {
		replyIs(t, "GET at DC_SAFE_QUORUM (YAML), three values", do(t, "GET", s, bound, "GET", "q:k"), nil, quorumErr)
		r := do(t, "GET", q, bound, "GET", "q:k")
		if got := string(r.Raw); got != bulk("a") && got != bulk("b") && got != bulk("c") {
			t.Fatalf("GET at DC_QUORUM (YAML), three values: unexpected reply %q; want one of the replicas' values", got)
		}
	}
	oneS := cl.client(2)
	setConsistency(t, oneS, "DC_SAFE_QUORUM")
	replyIs(t, "GET at DC_SAFE_QUORUM (per connection on a DC_ONE node), three values", do(t, "GET", oneS, bound, "GET", "q:k"), nil, quorumErr)
	lower := cl.client(2)
	setConsistency(t, lower, "dc_safe_quorum")
	replyIs(t, "GET at dc_safe_quorum (lower case, per connection), three values", do(t, "GET", lower, bound, "GET", "q:k"), nil, quorumErr)
	qS := cl.client(0)
	setConsistency(t, qS, "DC_SAFE_QUORUM")
	replyIs(t, "GET at DC_SAFE_QUORUM (per connection on a DC_QUORUM node), three values", do(t, "GET", qS, bound, "GET", "q:k"), nil, quorumErr)
	sOne := cl.client(1)
	setConsistency(t, sOne, "DC_ONE")
	replyIs(t, "GET at DC_ONE (per connection on a DC_SAFE_QUORUM node)", do(t, "GET", sOne, bound, "GET", "q:k"), nil, bulk("b"))
	replyIs(t, "GET at DC_ONE on the connection set earlier", do(t, "GET", one, bound, "GET", "q:k"), nil, bulk("c"))

	// Writes at DC_SAFE_QUORUM restore agreement.
	replyIs(t, "SET at DC_SAFE_QUORUM (per connection)", do(t, "SET", oneS, bound, "SET", "q:k", "fixed"), nil, "+OK\r\n")
	for j := range cl.nodes {
		if !cl.waitStored(j, "q:k", "fixed", replWait) {
			t.Fatalf("SET at DC_SAFE_QUORUM did not reach the Redis of %s within %v", cl.nodes[j], replWait)
		}
	}
	replyIs(t, "GET at DC_SAFE_QUORUM after the replicas agree again", do(t, "GET", s, bound, "GET", "q:k"), nil, bulk("fixed"))
}

// TestClusterSafeQuorumSets: 3 racks × 1 node at DC_SAFE_QUORUM. Each Redis
// orders a set by its own hash seed, yet SMEMBERS must agree (C Dynomite
// rewrites it to SORT ... ALPHA for this level).
func TestClusterSafeQuorumSets(t *testing.T) {
	cl := startCluster(t, threeRacks(), enginetest.NodeConfig{}, func(_ int, c *enginetest.NodeConfig) {
		withConsistency(c, "DC_SAFE_QUORUM")
	}, enginetest.ClusterOptions{})
	bound := peerTimeout + slack
	s := cl.client(0)
	members := []string{"SADD", "q:set"}
	for m := 0; m < 40; m++ {
		members = append(members, fmt.Sprintf("member-%02d", (m*17)%40))
	}
	replyIs(t, "SADD at DC_SAFE_QUORUM", do(t, "SADD", s, bound, members...), nil, ":40\r\n")
	for j := range cl.nodes {
		st := cl.store(j)
		r, err := st.Do("SCARD", "q:set")
		for n := 0; n < 100 && err == nil && string(r.Raw) != ":40\r\n"; n++ {
			time.Sleep(20 * time.Millisecond)
			r, err = st.Do("SCARD", "q:set")
		}
		replyIs(t, "SCARD in the Redis of "+cl.nodes[j].String(), r, err, ":40\r\n")
	}
	r := do(t, "SMEMBERS", s, bound, "SMEMBERS", "q:set")
	if r.Type != '*' || len(r.Elems) != 40 {
		t.Fatalf("SMEMBERS at DC_SAFE_QUORUM: unexpected reply %q; want the 40 members", trunc(r.Raw))
	}
	seen := map[string]bool{}
	for _, e := range r.Elems {
		seen[string(e.Str)] = true
	}
	if len(seen) != 40 || !seen["member-00"] || !seen["member-39"] {
		t.Fatalf("SMEMBERS at DC_SAFE_QUORUM: unexpected members %q", trunc(r.Raw))
	}
}
