package e2e

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// peerErr reports whether r is one of the errors a request gets when a peer
// it needs is down: not connected, refused, or (once the failure detector
// has ejected it) down.
func peerErr(r *enginetest.Reply) bool {
	s := string(r.Raw)
	return s == "-ERR Peer: Peer Node is not connected\r\n" || s == "-ERR Peer: Peer Node refused connection\r\n" ||
		s == "-ERR Peer: Peer Node is down\r\n"
}

// TestClusterPeerDown: 3 racks × 1 node, clients on node 0 at DC_ONE,
// DC_QUORUM and DC_SAFE_QUORUM. One peer killed: every level still answers
// (DC_ONE swallows the cross-rack failure, the quorum levels use the two
// survivors). Two peers killed: DC_ONE still works, the quorum levels answer
// a peer error. Every request is answered within timeout + margin. The
// peers restarted on the same ports are used again without restarting node 0.
func TestClusterPeerDown(t *testing.T) {
	cl := startCluster(t, threeRacks(), enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	bound := 2*peerTimeout + slack
	one, q, s := cl.client(0), cl.client(0), cl.client(0)
	setConsistency(t, q, "DC_QUORUM")
	setConsistency(t, s, "DC_SAFE_QUORUM")
	replyIs(t, "SET", do(t, "SET", q, bound, "SET", "f:k", "v0"), nil, "+OK\r\n")
	for j := range cl.nodes {
		if !cl.waitStored(j, "f:k", "v0", replWait) {
			t.Fatalf("f:k did not reach the Redis of %s", cl.nodes[j])
		}
	}

	cl.nodes[2].Node.Kill()
	t.Logf("killed %s", cl.nodes[2])
	for n := 0; n < 10; n++ {
		k1, kq := fmt.Sprint("f:one:", n), fmt.Sprint("f:q:", n)
		replyIs(t, "DC_ONE SET, rack3 down", do(t, "SET", one, bound, "SET", k1, "x"), nil, "+OK\r\n")
		replyIs(t, "DC_ONE GET, rack3 down", do(t, "GET", one, bound, "GET", k1), nil, bulk("x"))
		replyIs(t, "DC_QUORUM SET, rack3 down (2 of 3 remain)", do(t, "SET", q, bound, "SET", kq, "y"), nil, "+OK\r\n")
		replyIs(t, "DC_QUORUM GET, rack3 down", do(t, "GET", q, bound, "GET", kq), nil, bulk("y"))
		replyIs(t, "DC_SAFE_QUORUM GET, rack3 down", do(t, "GET", s, bound, "GET", kq), nil, bulk("y"))
		if !cl.waitStored(1, kq, "y", replWait) {
			t.Fatalf("DC_QUORUM SET with rack3 down: %q not in the Redis of %s", kq, cl.nodes[1])
		}
	}

	cl.nodes[1].Node.Kill()
	t.Logf("killed %s", cl.nodes[1])
	for n := 0; n < 5; n++ {
		k1 := fmt.Sprint("f:alone:", n)
		replyIs(t, "DC_ONE SET, racks 2 and 3 down", do(t, "SET", one, bound, "SET", k1, "z"), nil, "+OK\r\n")
		replyIs(t, "DC_ONE GET, racks 2 and 3 down", do(t, "GET", one, bound, "GET", k1), nil, bulk("z"))
		for _, c := range []struct {
			what string
			c    *enginetest.Client
			args []string
		}{
			{"DC_QUORUM GET", q, []string{"GET", "f:k"}},
			{"DC_QUORUM SET", q, []string{"SET", "f:lost", "1"}},
			{"DC_SAFE_QUORUM GET", s, []string{"GET", "f:k"}},
			{"DC_QUORUM MGET", q, []string{"MGET", "f:k", "f:q:1"}},
		} {
			r := do(t, c.what, c.c, bound, c.args...)
			if !peerErr(r) {
				t.Fatalf("%s with quorum lost: unexpected reply %q; want -ERR Peer: Peer Node is not connected (or refused connection)", c.what, r.Raw)
			}
		}
	}

	for _, i := range []int{1, 2} {
		if err := cl.nodes[i].Node.Restart(); err != nil {
			t.Fatalf("restart %s: %v", cl.nodes[i], err)
		}
	}
	restarted := time.Now()
	var last string
	for n := 0; n < 1000; n++ {
		r := do(t, "DC_QUORUM GET after the restart", q, bound, "GET", "f:k")
		last = string(r.Raw)
		if last == bulk("v0") {
			r = do(t, "DC_QUORUM SET after the restart", q, bound, "SET", "f:back", fmt.Sprint(n))
			if string(r.Raw) == "+OK\r\n" && cl.waitStored(2, "f:back", fmt.Sprint(n), replWait) && cl.waitStored(1, "f:back", fmt.Sprint(n), replWait) {
				break
			}
			last = string(r.Raw)
		} else if !peerErr(r) {
			t.Fatalf("DC_QUORUM GET while peers come back: unexpected reply %q", last)
		}
		if time.Since(restarted) > reconnectMax {
			t.Fatalf("restarted peers not used again by %s within %v; last reply %q", cl.nodes[0], reconnectMax, strings.TrimSpace(last))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("peers used again %v after their restart", time.Since(restarted).Round(time.Millisecond))
	// The restarted nodes coordinate again too.
	c2 := cl.client(2)
	replyIs(t, "SET through the restarted "+cl.nodes[2].String(), do(t, "SET", c2, bound, "SET", "f:from2", "w"), nil, "+OK\r\n")
	if !cl.waitStored(0, "f:from2", "w", reconnectMax) {
		t.Fatalf("a write through the restarted %s never reached the Redis of %s", cl.nodes[2], cl.nodes[0])
	}
}

// TestClusterRedisDown: 3 racks × 1 node; rack1's Redis killed. A DC_ONE
// read through rack1's node is served by the next rack; a DC_ONE write
// through it gets the storage error. Once that Redis is back on its port,
// writes through the node succeed again within 2 × server_retry_timeout.
func TestClusterRedisDown(t *testing.T) {
	base := enginetest.NodeConfig{ServerRetryTimeout: int(retryTimeout / time.Millisecond)}
	cl := startCluster(t, threeRacks(), base, nil, enginetest.ClusterOptions{})
	bound := 2*peerTimeout + slack
	c := cl.client(0)
	replyIs(t, "SET", do(t, "SET", c, bound, "SET", "r:k", "v"), nil, "+OK\r\n")
	for j := range cl.nodes {
		if !cl.waitStored(j, "r:k", "v", replWait) {
			t.Fatalf("r:k did not reach the Redis of %s", cl.nodes[j])
		}
	}
	cl.nodes[0].Store.Kill()
	t.Logf("killed the Redis of %s", cl.nodes[0])
	for n := 0; n < 5; n++ {
		replyIs(t, "DC_ONE GET through the node whose Redis is down", do(t, "GET", c, bound, "GET", "r:k"), nil, bulk("v"))
		r := do(t, "DC_ONE SET through the node whose Redis is down", c, bound, "SET", "r:w", "1")
		if !hasPrefix(r, "-ERR Storage: ") {
			t.Fatalf("DC_ONE SET through the node whose Redis is down: unexpected reply %q; want -ERR Storage: ...", r.Raw)
		}
	}
	other := cl.client(1)
	replyIs(t, "GET through a healthy rack", do(t, "GET", other, bound, "GET", "r:k"), nil, bulk("v"))

	if err := cl.nodes[0].Store.Restart(); err != nil {
		t.Fatalf("restart redis: %v", err)
	}
	back := time.Now()
	for n := 0; ; n++ {
		r := do(t, "SET after the Redis restart", c, bound, "SET", "r:w", "2")
		if string(r.Raw) == "+OK\r\n" {
			break
		}
		if !hasPrefix(r, "-ERR Storage: ") {
			t.Fatalf("SET after the Redis restart: unexpected reply %q", r.Raw)
		}
		if time.Since(back) > 2*retryTimeout+slack || n > 1000 {
			t.Fatalf("writes through %s still fail %v after its Redis came back: %q", cl.nodes[0], 2*retryTimeout+slack, r.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !cl.waitStored(0, "r:w", "2", replWait) {
		t.Fatalf("the write after the restart is not in the restarted Redis")
	}
}

// TestClusterOwnerDown: 2 racks × 2 nodes; the own-rack owner of some keys
// (a peer in the coordinator's rack) killed. A DC_ONE read of its keys is
// served by the other rack, also inside an MGET; a DC_ONE write of its keys
// gets a peer error (no failover of writes inside the local DC); keys of the
// live nodes are unaffected; DC_QUORUM (both racks needed) answers a peer
// error for the dead node's keys.
func TestClusterOwnerDown(t *testing.T) {
	cl := startCluster(t, twoByTwo(), enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	bound := 2*peerTimeout + slack
	kA, kB := cl.keyOwnedBy(0, "own:a:"), cl.keyOwnedBy(1, "own:b:")
	kB2 := cl.keyOwnedBy(1, kB+":")
	c := cl.client(0)
	replyIs(t, "SET a key of node A", do(t, "SET", c, bound, "SET", kA, "va"), nil, "+OK\r\n")
	replyIs(t, "SET a key of node B", do(t, "SET", c, bound, "SET", kB, "vb"), nil, "+OK\r\n")
	for _, k := range []string{kA, kB} {
		for _, i := range cl.ownersEverywhere(k) {
			if !cl.waitStored(i, k, map[string]string{kA: "va", kB: "vb"}[k], replWait) {
				t.Fatalf("%q did not reach the Redis of its owner %s", k, cl.nodes[i])
			}
		}
	}
	cl.nodes[1].Node.Kill()
	t.Logf("killed %s", cl.nodes[1])
	q := cl.client(0)
	setConsistency(t, q, "DC_QUORUM")
	for n := 0; n < 5; n++ {
		replyIs(t, "DC_ONE GET of the dead owner's key", do(t, "GET", c, bound, "GET", kB), nil, bulk("vb"))
		replyIs(t, "DC_ONE MGET across the live and the dead owner", do(t, "MGET", c, bound, "MGET", kB, kA, "own:none"), nil, "*3\r\n"+bulk("vb")+bulk("va")+"$-1\r\n")
		if r := do(t, "DC_ONE SET", c, bound, "SET", kB2, "x"); !peerErr(r) {
			t.Fatalf("DC_ONE SET of a key whose own-rack owner is down: unexpected reply %q; want -ERR Peer: Peer Node is not connected (or refused connection)", r.Raw)
		}
		replyIs(t, "DC_ONE SET of a live node's key", do(t, "SET", c, bound, "SET", kA, "va"), nil, "+OK\r\n")
		replyIs(t, "DC_QUORUM GET of a live node's key", do(t, "GET", q, bound, "GET", kA), nil, bulk("va"))
		if r := do(t, "DC_QUORUM GET", q, bound, "GET", kB); !peerErr(r) {
			t.Fatalf("DC_QUORUM GET of a key whose owner in one of 2 racks is down: unexpected reply %q; want a peer error", r.Raw)
		}
	}
}

// TestClusterPeerStalled: 3 racks × 1 node; peers stopped with SIGSTOP
// (connections stay open, nothing answers). With one peer stalled, quorum
// reads are answered by the other two at once and DC_ONE writes succeed;
// with two stalled, a quorum read gets an error once the peer timeout
// passes, never later; after SIGCONT quorum reads succeed again.
func TestClusterPeerStalled(t *testing.T) {
	cl := startCluster(t, threeRacks(), enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	stopped := map[int]bool{}
	resume := func(i int) {
		if stopped[i] {
			cl.nodes[i].Node.Signal(syscall.SIGCONT)
			delete(stopped, i)
		}
	}
	t.Cleanup(func() { resume(1); resume(2) })
	stop := func(i int) {
		if err := cl.nodes[i].Node.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		stopped[i] = true
		waitStopped(t, cl.nodes[i].Node.PID())
	}
	bound := 2*peerTimeout + slack
	one, q := cl.client(0), cl.client(0)
	setConsistency(t, q, "DC_QUORUM")
	replyIs(t, "SET", do(t, "SET", q, bound, "SET", "st:k", "v"), nil, "+OK\r\n")
	for j := range cl.nodes {
		if !cl.waitStored(j, "st:k", "v", replWait) {
			t.Fatalf("st:k did not reach the Redis of %s", cl.nodes[j])
		}
	}
	stop(2)
	for n := 0; n < 5; n++ {
		replyIs(t, "DC_QUORUM GET, rack3 stalled", do(t, "GET", q, peerTimeout/2, "GET", "st:k"), nil, bulk("v"))
		replyIs(t, "DC_ONE SET, rack3 stalled", do(t, "SET", one, peerTimeout/2, "SET", fmt.Sprint("st:one:", n), "x"), nil, "+OK\r\n")
	}
	stop(1)
	for n := 0; n < 3; n++ {
		start := time.Now()
		r := do(t, "DC_QUORUM GET, racks 2 and 3 stalled", q, bound, "GET", "st:k")
		if !hasPrefix(r, "-ERR ") {
			t.Fatalf("DC_QUORUM GET with two peers stalled: unexpected reply %q after %v; want an error", r.Raw, time.Since(start).Round(time.Millisecond))
		}
		t.Logf("DC_QUORUM GET with two peers stalled: %q after %v", strings.TrimSpace(string(r.Raw)), time.Since(start).Round(time.Millisecond))
		replyIs(t, "DC_ONE GET, racks 2 and 3 stalled", do(t, "GET", one, bound, "GET", "st:k"), nil, bulk("v"))
	}
	resume(1)
	resume(2)
	back := time.Now()
	for n := 0; ; n++ {
		r := do(t, "DC_QUORUM GET after SIGCONT", q, bound, "GET", "st:k")
		if string(r.Raw) == bulk("v") {
			break
		}
		if !hasPrefix(r, "-ERR ") {
			t.Fatalf("DC_QUORUM GET after SIGCONT: unexpected reply %q", r.Raw)
		}
		if time.Since(back) > reconnectMax || n > 1000 {
			t.Fatalf("quorum reads still fail %v after SIGCONT: %q", reconnectMax, r.Raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("quorum reads back %v after SIGCONT", time.Since(back).Round(time.Millisecond))
}

// waitStopped waits until process pid is in the stopped state ('T' in
// /proc/<pid>/stat), so that nothing it does afterwards can be mistaken
// for an answer.
func waitStopped(t *testing.T, pid int) {
	t.Helper()
	for n := 0; n < 200; n++ {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		// The state follows the parenthesised command name.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'T' {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d not stopped 2 s after SIGSTOP", pid)
}
