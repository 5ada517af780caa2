//go:build !race

package engine

import (
	"bytes"
	"testing"
)

// TestAllocsClusterDCOneSETNoHints pins a write through a 3-rack node
// without hints_dir to zero allocations. Its peers are never dialled, so
// both peer copies fail to queue on every SET and go through the hint hook,
// which with a nil Store must cost nothing.
func TestAllocsClusterDCOneSETNoHints(t *testing.T) {
	n, c, cfar, s, sfar := rigConns(t, Options{Config: threeRackRigConfig()})
	if n.conv.Hinting() {
		t.Fatal("unexpected hint store without hints_dir")
	}
	const depth = 16
	req := bytes.Repeat([]byte("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"), depth)
	reply := bytes.Repeat([]byte("+OK\r\n"), depth)
	sbuf := make([]byte, 2*len(req))
	cbuf := make([]byte, 2*len(reply))
	dropped := n.cluster.peerStats.Dropped.Load()
	round := func() {
		c.OnInput(req)
		if got := drain(t, sfar, sbuf, len(req)); !bytes.Equal(got, req) {
			t.Fatalf("unexpected bytes to the datastore; got %q; want %q", got, req)
		}
		s.OnServerInput(reply)
		if got := drain(t, cfar, cbuf, len(reply)); !bytes.Equal(got, reply) {
			t.Fatalf("unexpected bytes to the client; got %q; want %q", got, reply)
		}
	}
	round()
	if got := n.cluster.peerStats.Dropped.Load() - dropped; got != 2*depth {
		t.Fatalf("unexpected peer copies dropped; got %d; want %d (the hint hook not reached)", got, 2*depth)
	}
	if allocs := testing.AllocsPerRun(1000, round); allocs != 0 {
		t.Fatalf("unexpected allocations per 16 pipelined DC_ONE SETs through a 3-rack node without hints; got %v; want 0", allocs)
	}
}
