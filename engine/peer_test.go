package engine

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// fakePeer is the far end of a node's outgoing peer connection, driven by
// the test.
type fakePeer struct {
	t    *testing.T
	conn net.Conn
	buf  []byte
}

// next reads the next request frame and returns its msg id and type.
func (f *fakePeer) next() (uint64, dnode.Type) {
	f.t.Helper()
	var dp dnode.Parser
	var rp resp.Parser
	var req resp.Request
	var h dnode.Header
	_ = f.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		skipped, hn, err := dp.Parse(f.buf, &h)
		if err == nil {
			n, err := rp.Parse(f.buf[skipped+hn:], &req)
			if err == nil {
				f.buf = f.buf[skipped+hn+n:]
				return h.MsgID, h.Type
			}
			if !errors.Is(err, resp.ErrIncomplete) {
				f.t.Fatalf("bad payload from the node: %v", err)
			}
		} else if !errors.Is(err, dnode.ErrIncomplete) {
			f.t.Fatalf("bad frame from the node: %v", err)
		}
		b := make([]byte, 4096)
		n, err := f.conn.Read(b)
		if err != nil {
			f.t.Fatalf("cannot read from the node: %v", err)
		}
		f.buf = append(f.buf, b[:n]...)
	}
}

// reply answers with msg id id.
func (f *fakePeer) reply(id uint64, payload string) {
	f.t.Helper()
	if _, err := f.conn.Write(dnodeFrame(id, dnode.TypeRes, payload)); err != nil {
		f.t.Fatal(err)
	}
}

// dnodeFrame is the frame of type typ and msg id id carrying payload, as
// a node of the same DC writes it.
func dnodeFrame(id uint64, typ dnode.Type, payload string) []byte {
	b := dnode.AppendHeader(nil, dnode.Plain(id, typ, true, uint32(len(payload))))
	return append(b, payload...)
}

// TestPeerReplyMatching: replies on a peer connection are matched by msg id
// (docs/compat.md §5.3): a smaller id is stale and dropped, a larger one fails the
// head request (counted as a mismatch); the connection keeps working.
func TestPeerReplyMatching(t *testing.T) {
	r := enginetest.Redis(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dl, err := enginetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(r.Addr)
	p := &cfg.Pool
	p.DynListen = tcpAddr(dl)
	p.Datacenter, p.Rack, p.Tokens = "dc1", "rack1", []uint32{0}
	p.DynSeeds = []conf.Seed{{Addr: tcpAddr(ln.Addr().(*net.TCPAddr).Port), Rack: "rack2", DC: "dc1", Tokens: []uint32{0}}}
	n := startNode(t, cfg)
	pc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	fp := &fakePeer{t: t, conn: pc}
	lk := n.cluster.topo.Load().Peers[1].Links[0]
	for end := time.Now().Add(5 * time.Second); lk.Cur.Load() == nil; time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the node did not install its peer connection")
		}
	}
	c := dial(t, n)
	expect(t, c, "+OK\r\n", "dyno_config:conn_consistency", "DC_QUORUM")

	ask := func() {
		t.Helper()
		if err := c.Send("GET", "absent"); err != nil {
			t.Fatal(err)
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	answer := func() string {
		t.Helper()
		rep, err := c.Read()
		if err != nil {
			t.Fatalf("no reply: %v", err)
		}
		return string(rep.Raw)
	}

	ask()
	id, typ := fp.next()
	if typ != dnode.TypeReq {
		t.Fatalf("unexpected type %v to a same-DC peer; want DMSG_REQ", typ)
	}
	fp.reply(id-1, "$5\r\nstale\r\n") // smaller id: dropped
	fp.reply(id, "$-1\r\n")
	if got := answer(); got != "$-1\r\n" {
		t.Fatalf("unexpected reply after a stale peer reply; got %q; want the matching one", got)
	}

	ask()
	id, _ = fp.next()
	fp.reply(id+1, "$-1\r\n") // larger id: the head request fails
	if got := answer(); !strings.HasPrefix(got, "-ERR ") {
		t.Fatalf("unexpected reply when the peer skipped a request; got %q; want an error", got)
	}
	if m := n.cluster.peerStats.Mismatch.Load(); m != 1 {
		t.Fatalf("unexpected peer mismatch count %d; want 1", m)
	}

	ask()
	id, _ = fp.next()
	fp.reply(id, "$-1\r\n")
	if got := answer(); got != "$-1\r\n" {
		t.Fatalf("unexpected reply after a mismatch; got %q", got)
	}
}
