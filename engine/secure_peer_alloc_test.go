//go:build !race

package engine

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/engine/secure"
)

// TestAllocsSecuredPeerGET pins the receiving side of Dynomite's peer
// encryption to zero allocations in steady state: 16 pipelined DMSG_REQ
// GETs, each frame encrypted with the connection's session key, arrive on
// an accepted peer connection, are decrypted, run on the local datastore,
// and their replies are encrypted back to the peer. Peer and datastore are
// socketpairs whose far ends the test reads; the bytes the peer receives
// are compared with what the session key must produce.
func TestAllocsSecuredPeerGET(t *testing.T) {
	const depth = 16
	n, round := securedPeerRig(t, depth)
	round()
	if allocs := testing.AllocsPerRun(1000, round); allocs != 0 {
		t.Fatalf("unexpected allocations per %d pipelined encrypted peer GETs; got %v; want 0", depth, allocs)
	}
	if got := n.env.Inflight.Load(); got != 0 {
		t.Fatalf("unexpected msgs left in flight; got %d; want 0", got)
	}
}

// securedPeerRig builds rack1's node of a 3-rack cluster with
// secure_server_option all, wires an accepted peer connection and its
// datastore connection over socketpairs, and returns a function that
// sends depth encrypted GET frames and checks both far ends. The first
// call's first frame carries the session key.
func securedPeerRig(t testing.TB, depth int) (*Node, func()) {
	pem, err := filepath.Abs(filepath.Join("testdata", "dynomite.pem"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := threeRackRigConfig()
	cfg.Pool.SecureServerOption, cfg.Pool.PemKeyFile = "all", pem
	n, _, _, s, sfar := rigConns(t, Options{Config: cfg})
	pnc, pfar := socketpair(t)
	pc := newAccepted(n, &n.in.PeerIn, pnc)
	pc.Pin = 0

	get := []byte("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n")
	value := []byte("$5\r\nvalue\r\n")
	out, err := secure.NewOutgoing(n.out.PeerKey, n.out.Chunk)
	if err != nil {
		t.Fatal(err)
	}
	var first, steady []byte
	for i := 0; i < depth; i++ {
		first = out.Seal(first, dnode.Plain(uint64(i+1), dnode.TypeReq, true, 0), get)
	}
	for i := 0; i < depth; i++ {
		steady = out.Seal(steady, dnode.Plain(uint64(depth+i+1), dnode.TypeReq, true, 0), get)
	}
	// The node's replies, as the connection's key encrypts them.
	var p dnode.Parser
	var h dnode.Header
	if _, _, err := p.Parse(first, &h); err != nil {
		t.Fatal(err)
	}
	mirror, err := secure.NewIncoming(n.out.PeerKey, &h, n.out.Chunk)
	if err != nil {
		t.Fatal(err)
	}
	var wantFirst, wantSteady []byte
	for i := 0; i < depth; i++ {
		wantFirst = mirror.Seal(wantFirst, dnode.Plain(uint64(i+1), dnode.TypeRes, true, 0), value)
	}
	for i := 0; i < depth; i++ {
		wantSteady = mirror.Seal(wantSteady, dnode.Plain(uint64(depth+i+1), dnode.TypeRes, true, 0), value)
	}
	req := bytes.Repeat(get, depth)
	reply := bytes.Repeat(value, depth)
	sbuf := make([]byte, 2*len(req))
	pbuf := make([]byte, 2*len(wantSteady))
	calls := 0
	return n, func() {
		in, want := steady, wantSteady
		if calls == 0 {
			in, want = first, wantFirst
		}
		calls++
		pc.OnInput(in)
		if got := drain(t, sfar, sbuf, len(req)); !bytes.Equal(got, req) {
			t.Fatalf("unexpected bytes to the datastore; got %q; want %q", got, req)
		}
		s.OnServerInput(reply)
		if got := drain(t, pfar, pbuf, len(want)); !bytes.Equal(got, want) {
			t.Fatalf("unexpected bytes to the peer; got %q; want %q", got, want)
		}
	}
}
