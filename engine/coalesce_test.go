package engine

import (
	"bytes"
	"testing"

	"github.com/dynomite-go/dynomite/engine/outbound"
)

// TestCoalesceAcrossClients pins the write policy toward the datastore:
// the first request on an idle connection goes out at once (one send);
// requests of other clients that arrive while it is in flight are queued
// and leave together, with one send, when the reply path runs; replies
// come back to each client in order.
func TestCoalesceAcrossClients(t *testing.T) {
	n, err := New(Options{Config: testConfig("127.0.0.1:1")})
	if err != nil {
		t.Fatal(err)
	}
	lk := n.links[0]
	snc, sfar := socketpair(t)
	s := outbound.NewConn(lk, snc)
	lk.Cur.Store(s)
	const clients = 8
	var cs []*accepted
	var fars []int
	for i := 0; i < clients; i++ {
		cnc, far := socketpair(t)
		c := newAccepted(n, &n.in.Client, cnc)
		c.Pin = 0 // its requests go to lk, n.links[0]
		cs, fars = append(cs, c), append(fars, far)
	}
	req := []byte("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
	reply := []byte("$1\r\nv\r\n")
	buf := make([]byte, 64*len(req))

	sends := n.sends.Load()
	cs[0].OnInput(req)
	if got := drain(t, sfar, buf, len(req)); !bytes.Equal(got, req) {
		t.Fatalf("unexpected first send; got %q; want %q", got, req)
	}
	for _, c := range cs[1:] {
		c.OnInput(req)
	}
	if d := n.sends.Load() - sends; d != 1 {
		t.Fatalf("unexpected sends while the first request is in flight; got %d; want 1", d)
	}
	// The first reply arrives: the queued requests leave in one send.
	s.OnServerInput(reply)
	if d := n.sends.Load() - sends; d != 2 {
		t.Fatalf("unexpected sends after the first reply; got %d; want 2", d)
	}
	want := bytes.Repeat(req, clients-1)
	if got := drain(t, sfar, buf, len(want)); !bytes.Equal(got, want) {
		t.Fatalf("unexpected coalesced send; got %q; want %q", got, want)
	}
	if got := drain(t, fars[0], buf, len(reply)); !bytes.Equal(got, reply) {
		t.Fatalf("unexpected reply to client 0; got %q", got)
	}
	// All other replies in one read: each client gets its own.
	s.OnServerInput(bytes.Repeat(reply, clients-1))
	for i := 1; i < clients; i++ {
		if got := drain(t, fars[i], buf, len(reply)); !bytes.Equal(got, reply) {
			t.Fatalf("unexpected reply to client %d; got %q", i, got)
		}
	}
	if d := n.sends.Load() - sends; d != 2 {
		t.Fatalf("unexpected sends in total; got %d; want 2", d)
	}
	if got := n.env.Inflight.Load(); got != 0 {
		t.Fatalf("unexpected msgs in flight; got %d; want 0", got)
	}
	s.Mu.Lock()
	state := s.Writer()
	s.Mu.Unlock()
	if state != outbound.WriterIdle {
		t.Fatalf("unexpected writer state once idle; got %d; want %d", state, outbound.WriterIdle)
	}
}
