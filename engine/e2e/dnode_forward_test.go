package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// TestDnodeForward: frames from a (pretend) node of another DC. A
// DMSG_REQ_FORWARD (type 4) makes the receiver coordinate for its DC: the
// write lands in every rack and the answer is its own rack's reply. A
// DMSG_REQ (type 3) is executed on the receiver's datastore only, even for
// a key another node owns, and never forwarded again.
func TestDnodeForward(t *testing.T) {
	members := []enginetest.Member{{Rack: "rack1", Tokens: "0"}, {Rack: "rack1", Tokens: half}, {Rack: "rack2", Tokens: "0"}}
	cl := startCluster(t, members, enginetest.NodeConfig{}, nil, enginetest.ClusterOptions{})
	p := dialPeer(t, cl.nodes[0].Config.DynListen)
	set := func(k, v string) string {
		return fmt.Sprintf("*3\r\n$3\r\nset\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(k), k, len(v), v)
	}
	kOther := cl.keyOwnedBy(1, "fw:b:") // owned by node 1 in rack1
	forward := fmt.Sprintf("   $2014$ 31 4 0 1 0 *1 d *0\r\n%s", set(kOther, "f"))
	if err := p.write([]byte(forward)); err != nil {
		t.Fatal(err)
	}
	replyIs(t, "SET in a DMSG_REQ_FORWARD", p.responseDC(31, ""), nil, "+OK\r\n")
	for _, i := range cl.ownersEverywhere(kOther) {
		if !cl.waitStored(i, kOther, "f", replWait) {
			t.Fatalf("DMSG_REQ_FORWARD to %s: %q did not reach the Redis of its owner %s", cl.nodes[0], kOther, cl.nodes[i])
		}
	}

	kOwn := cl.keyOwnedBy(1, "fw:r:")
	req := fmt.Sprintf("   $2014$ 32 3 0 1 1 *1 d *0\r\n%s", set(kOwn, "r"))
	if err := p.write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	replyIs(t, "SET in a DMSG_REQ", p.response(32), nil, "+OK\r\n")
	if v, ok := cl.stored(0, kOwn); !ok || v != "r" {
		t.Fatalf("DMSG_REQ to %s: %q is %q (present %v) in its Redis; want it executed there", cl.nodes[0], kOwn, v, ok)
	}
	time.Sleep(300 * time.Millisecond)
	for _, i := range []int{1, 2} {
		if v, ok := cl.stored(i, kOwn); ok {
			t.Fatalf("DMSG_REQ to %s was forwarded: %q is %q in the Redis of %s", cl.nodes[0], kOwn, v, cl.nodes[i])
		}
	}
}
