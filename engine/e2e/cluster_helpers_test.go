// Multi-process acceptance tests of clusters (cluster_*), memcached
// (memcache_*) and the inter-node wire format (dnode_*). They need features
// that are still being built, so they carry the build tag "pending" and
// run only when asked for:
//
//	go test -tags pending ./engine/e2e/ -run 'Cluster|Memcache|Dnode'
//
// To make a test part of every `go test`, drop the tag from its file and
// from the helper files it uses (this one, memcache_client_test.go). Every
// cluster test starts its own redis-servers (or
// memcached) and nodes on free loopback ports; the ring the test computes
// (package ring, murmur by default) says where each key must live, and
// each datastore is then checked directly.

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/ring"
)

// Bounds of the cluster tests.
const (
	peerTimeout  = 1000 * time.Millisecond // `timeout` in every cluster node's YAML
	meshWait     = 20 * time.Second        // nodes must reach each other within this after start
	replWait     = 3 * time.Second         // a replicated write must land in every rack within this
	reconnectMax = 15 * time.Second        // a restarted peer is used again within this (back-off 1 s doubling to 10 s)
)

const (
	half = "2147483648" // 2^31: the second token of a two-node rack
)

// cluster is a running set of dynomite nodes, each in front of its own
// datastore, and the ring they should agree on.
type cluster struct {
	t     *testing.T
	nodes []*enginetest.ClusterNode
	ring  *ring.Snapshot
}

// startCluster starts the members with base's settings (timeout defaults to
// peerTimeout; the hash and hash_tag keys of base.Extra also shape the
// test's own ring), edit (when not nil) adjusts each node's configuration
// by index, and waits until every node replicates to every other one.
func startCluster(t *testing.T, members []enginetest.Member, base enginetest.NodeConfig, edit func(i int, c *enginetest.NodeConfig), opts enginetest.ClusterOptions) *cluster {
	t.Helper()
	if base.Timeout == 0 {
		base.Timeout = int(peerTimeout / time.Millisecond)
	}
	cfgs, err := enginetest.ClusterOf(members, base)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		for i := range cfgs {
			edit(i, &cfgs[i])
		}
	}
	rn := make([]ring.Node, len(cfgs))
	for i, c := range cfgs {
		toks, err := ring.ParseTokens(c.Tokens)
		if err != nil {
			t.Fatal(err)
		}
		rn[i] = ring.Node{Name: c.DynListen, Addr: c.DynListen, DC: c.Datacenter, Rack: c.Rack, Tokens: toks}
	}
	hash, tag := ring.Murmur, ""
	if name := strings.Trim(base.Extra["hash"], `'"`); name != "" {
		if hash, err = ring.HashByName(name); err != nil {
			t.Fatal(err)
		}
	}
	if v := strings.Trim(base.Extra["hash_tag"], `'"`); v != "" {
		tag = v
	}
	snap, err := ring.New(rn, 0, hash, tag)
	if err != nil {
		t.Fatal(err)
	}
	cl := &cluster{t: t, ring: snap}
	cl.nodes = enginetest.StartCluster(t, cfgs, opts)
	cl.waitMesh()
	return cl
}

// withConsistency sets read_consistency and write_consistency of one node.
func withConsistency(c *enginetest.NodeConfig, level string) {
	if c.Extra == nil {
		c.Extra = map[string]string{}
	}
	c.Extra["read_consistency"] = level
	c.Extra["write_consistency"] = level
}

func (cl *cluster) memcache() bool { return cl.nodes[0].Config.DataStore == 1 }

// place returns the datacenter and rack indexes of node i in the ring.
func (cl *cluster) place(i int) (dc, rack int) { return cl.ring.Place(i) }

// owner returns the node that owns key in the rack of node i.
func (cl *cluster) owner(key string, i int) int {
	dc, rack := cl.place(i)
	return cl.ring.Owner(dc, rack, cl.ring.Token([]byte(key)))
}

// ownersEverywhere returns, for key, its owner in every rack of every DC.
func (cl *cluster) ownersEverywhere(key string) []int {
	var out []int
	tok := cl.ring.Token([]byte(key))
	for dc := 0; dc < cl.ring.DCs(); dc++ {
		for r := 0; r < cl.ring.Racks(dc); r++ {
			out = append(out, cl.ring.Owner(dc, r, tok))
		}
	}
	return out
}

// keyOwnedBy returns the first key prefix+N (N = 0, 1, ...) that node i owns
// in its rack.
func (cl *cluster) keyOwnedBy(i int, prefix string) string {
	for n := 0; n < 100000; n++ {
		k := prefix + fmt.Sprint(n)
		if cl.owner(k, i) == i {
			return k
		}
	}
	cl.t.Fatalf("no key with prefix %q is owned by %s", prefix, cl.nodes[i])
	return ""
}

// client connects to node i's client port.
func (cl *cluster) client(i int) *enginetest.Client {
	cl.t.Helper()
	c := enginetest.DialTB(cl.t, cl.nodes[i].Node.Addr)
	c.Timeout = 10 * time.Second
	return c
}

// store connects to node i's own redis-server.
func (cl *cluster) store(i int) *enginetest.Client {
	cl.t.Helper()
	c := enginetest.DialTB(cl.t, cl.nodes[i].Store.Addr)
	c.Timeout = 10 * time.Second
	return c
}

// stored returns the value of key in node i's own datastore, read directly.
func (cl *cluster) stored(i int, key string) (string, bool) {
	cl.t.Helper()
	if cl.memcache() {
		c := dialMC(cl.t, cl.nodes[i].Store.Addr)
		defer c.close()
		it, err := c.getOne(key)
		if err != nil {
			cl.t.Fatalf("memcached of %s: get %q: %v", cl.nodes[i], key, err)
		}
		if it == nil {
			return "", false
		}
		return string(it.value), true
	}
	c, err := enginetest.Dial(cl.nodes[i].Store.Addr)
	if err != nil {
		cl.t.Fatalf("redis of %s: %v", cl.nodes[i], err)
	}
	defer c.Close()
	r, err := c.Do("GET", key)
	if err != nil || r.IsError() {
		cl.t.Fatalf("redis of %s: GET %q: %v %v", cl.nodes[i], key, r, err)
	}
	if r.Null {
		return "", false
	}
	return string(r.Str), true
}

// write sets key to val through node i and returns the reply line.
func (cl *cluster) write(i int, key, val string) (string, error) {
	if cl.memcache() {
		c, err := tryDialMC(cl.nodes[i].Node.Addr)
		if err != nil {
			return "", err
		}
		defer c.close()
		c.send(fmt.Appendf(nil, "set %s 0 0 %d\r\n%s\r\n", key, len(val), val))
		r, err := c.reply(false)
		if err != nil {
			return "", err
		}
		return string(r.raw), nil
	}
	c, err := enginetest.Dial(cl.nodes[i].Node.Addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.Timeout = 5 * time.Second
	r, err := c.Do("SET", key, val)
	if err != nil {
		return "", err
	}
	return string(r.Raw), nil
}

// waitMesh waits until a write through every node lands in every other
// node's datastore (each probe key is owned by the receiving node in its
// rack), then removes the probe keys from every datastore.
func (cl *cluster) waitMesh() {
	cl.t.Helper()
	deadline := time.Now().Add(meshWait)
	var probes []string
	for i := range cl.nodes {
		for j := range cl.nodes {
			if i == j {
				continue
			}
			key := cl.keyOwnedBy(j, fmt.Sprintf("mesh:%d:%d:", i, j))
			probes = append(probes, key)
			var last string
			for attempt := 0; attempt < 1000; attempt++ {
				val := fmt.Sprint("v", attempt)
				rep, err := cl.write(i, key, val)
				if err != nil {
					last = err.Error()
				} else {
					last = strings.TrimSpace(rep)
				}
				if cl.waitStored(j, key, val, 300*time.Millisecond) {
					break
				}
				if time.Now().After(deadline) || attempt == 999 {
					cl.t.Fatalf("cluster not ready %v after start: a write of %q through %s (last reply %q) never reached the datastore of %s, its owner by the murmur ring",
						meshWait, key, cl.nodes[i], last, cl.nodes[j])
				}
			}
		}
	}
	cl.t.Logf("cluster of %d nodes connected", len(cl.nodes))
	for i := range cl.nodes {
		cl.clearStore(i, probes)
	}
}

// waitStored polls node i's datastore until key holds val or d passes.
func (cl *cluster) waitStored(i int, key, val string, d time.Duration) bool {
	cl.t.Helper()
	end := time.Now().Add(d)
	for n := 0; ; n++ {
		if v, ok := cl.stored(i, key); ok && v == val {
			return true
		}
		if time.Now().After(end) || n > 10000 {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitGone polls node i's datastore until key is absent or d passes.
func (cl *cluster) waitGone(i int, key string, d time.Duration) bool {
	cl.t.Helper()
	end := time.Now().Add(d)
	for n := 0; ; n++ {
		if _, ok := cl.stored(i, key); !ok {
			return true
		}
		if time.Now().After(end) || n > 10000 {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clearStore deletes keys from node i's datastore directly.
func (cl *cluster) clearStore(i int, keys []string) {
	cl.t.Helper()
	if cl.memcache() {
		c := dialMC(cl.t, cl.nodes[i].Store.Addr)
		defer c.close()
		for _, k := range keys {
			c.send(fmt.Appendf(nil, "delete %s noreply\r\n", k))
		}
		if _, err := c.getOne("mesh:sync"); err != nil {
			cl.t.Fatalf("memcached of %s: %v", cl.nodes[i], err)
		}
		return
	}
	c := cl.store(i)
	defer c.Close()
	args := append([]string{"DEL"}, keys...)
	if r, err := c.Do(args...); err != nil || r.IsError() {
		cl.t.Fatalf("redis of %s: DEL: %v %v", cl.nodes[i], r, err)
	}
}

// do sends one command through c and fails the test on a transport error or
// when the reply took longer than bound.
func do(t *testing.T, what string, c *enginetest.Client, bound time.Duration, args ...string) *enginetest.Reply {
	t.Helper()
	start := time.Now()
	r, err := c.Do(args...)
	if err != nil {
		t.Fatalf("%s: %s: no reply after %v: %v", what, strings.Join(args, " "), time.Since(start).Round(time.Millisecond), err)
	}
	if d := time.Since(start); d > bound {
		t.Errorf("%s: %s: reply %q after %v; want within %v", what, strings.Join(args, " "), trunc(r.Raw), d.Round(time.Millisecond), bound)
	}
	return r
}

// bulk is the RESP encoding of a bulk string.
func bulk(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }
