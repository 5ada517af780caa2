//go:build !race

package engine

import (
	"bytes"
	"syscall"
	"testing"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/engine/outbound"
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

// TestAllocsClusterDCOneSETHintsReplicasUp: with hints_dir set and every
// replica answering, 16 pipelined DC_ONE SETs through a 3-rack node cost
// no allocation and record no hint: hinted handoff is free while every
// replica is up.
func TestAllocsClusterDCOneSETHintsReplicasUp(t *testing.T) {
	cfg := threeRackRigConfig()
	cfg.Pool.HintsDir = t.TempDir()
	n, c, cfar, s, sfar := rigConns(t, Options{Config: cfg})
	if !n.conv.Hinting() {
		t.Fatal("no hint store with hints_dir set")
	}
	t.Cleanup(n.conv.Stop)
	type far struct {
		conn *outbound.Conn
		fd   int
	}
	var peers []far
	for _, p := range n.cluster.topo.Load().Peers {
		if p == nil {
			continue
		}
		for _, lk := range p.Links {
			nc, fd := socketpair(t)
			conn := outbound.NewConn(lk, nc)
			lk.Cur.Store(conn)
			peers = append(peers, far{conn, fd})
		}
	}
	if len(peers) != 2 {
		t.Fatalf("unexpected peer links; got %d; want 2", len(peers))
	}
	const depth = 16
	req := bytes.Repeat([]byte("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"), depth)
	reply := bytes.Repeat([]byte("+OK\r\n"), depth)
	sbuf := make([]byte, 2*len(req))
	cbuf := make([]byte, 2*len(reply))
	pbuf := make([]byte, 64<<10)
	answers := make([]byte, 0, 64<<10)
	var h dnode.Header
	// answerPeer reads depth DMSG_REQ frames from a peer's far end and
	// feeds their DMSG_RES +OK replies back.
	answerPeer := func(p far) {
		var parser dnode.Parser
		got, frames := 0, 0
		answers = answers[:0]
		for off := 0; frames < depth; {
			if off == got {
				k, err := syscall.Read(p.fd, pbuf[got:])
				if err != nil {
					t.Fatalf("cannot read a peer's end: %v", err)
				}
				got += k
			}
			skipped, hn, err := parser.Parse(pbuf[off:got], &h)
			if err != nil || off+skipped+hn+int(h.PayloadLen) > got {
				k, rerr := syscall.Read(p.fd, pbuf[got:])
				if rerr != nil {
					t.Fatalf("cannot read a peer's end: %v", rerr)
				}
				got += k
				continue
			}
			off += skipped + hn + int(h.PayloadLen)
			answers = dnode.AppendHeader(answers, dnode.Plain(h.MsgID, dnode.TypeRes, true, 5))
			answers = append(answers, "+OK\r\n"...)
			frames++
		}
		p.conn.OnPeerReplies(answers)
	}
	round := func() {
		c.OnInput(req)
		if got := drain(t, sfar, sbuf, len(req)); !bytes.Equal(got, req) {
			t.Fatalf("unexpected bytes to the datastore; got %q; want %q", got, req)
		}
		s.OnServerInput(reply)
		if got := drain(t, cfar, cbuf, len(reply)); !bytes.Equal(got, reply) {
			t.Fatalf("unexpected bytes to the client; got %q; want %q", got, reply)
		}
		for _, p := range peers {
			answerPeer(p)
		}
	}
	round()
	if allocs := testing.AllocsPerRun(1000, round); allocs != 0 {
		t.Fatalf("unexpected allocations per 16 pipelined DC_ONE SETs with hints on and every replica up; got %v; want 0", allocs)
	}
	if st := n.conv.ConvergenceStats(); st.HintsPending != 0 || st.HintsDropped != 0 {
		t.Fatalf("hints recorded while every replica answered: %+v", st)
	}
	if got := n.env.Inflight.Load(); got != 0 {
		t.Fatalf("unexpected msgs left in flight; got %d; want 0", got)
	}
}
