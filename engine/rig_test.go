package engine

import (
	"bytes"
	"syscall"
	"testing"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/engine/outbound"
)

// socketpair returns a netpoll connection on one end of a Unix socketpair
// and the raw descriptor of the other end.
func socketpair(t testing.TB) (netpoll.Connection, int) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := netpoll.NewFDConnection(fds[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		nc.Close()
		syscall.Close(fds[1])
	})
	return nc, fds[1]
}

// drain reads what is waiting on fd, at least want bytes.
func drain(t testing.TB, fd int, buf []byte, want int) []byte {
	got := 0
	for got < want {
		n, err := syscall.Read(fd, buf[got:])
		if err != nil {
			t.Fatalf("cannot read the peer end: %v", err)
		}
		got += n
	}
	return buf[:got]
}

// forwardRig wires a client conn and a server conn over socketpairs, with no
// poller callbacks, and returns a function that forwards depth pipelined
// GETs and their replies once, checking the bytes on both far ends.
func forwardRig(t testing.TB, depth int) (*Node, func()) {
	return forwardRigWith(t, depth, Options{Config: testConfig("127.0.0.1:1")})
}

// rigConns builds a node with o and wires one client conn and its server
// conn over socketpairs, with no poller callbacks; cfar and sfar are the
// far ends.
func rigConns(t testing.TB, o Options) (n *Node, c *accepted, cfar int, s *outbound.Conn, sfar int) {
	n, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	lk := n.links[0]
	snc, sfar := socketpair(t)
	s = outbound.NewConn(lk, snc)
	lk.Cur.Store(s)
	cnc, cfar := socketpair(t)
	c = newAccepted(n, &n.in.Client, cnc)
	c.Pin = 0 // its requests go to lk, n.links[0]
	return n, c, cfar, s, sfar
}

// forwardRigWith is forwardRig for a node built with o.
func forwardRigWith(t testing.TB, depth int, o Options) (*Node, func()) {
	n, c, cfar, s, sfar := rigConns(t, o)
	req := bytes.Repeat([]byte("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"), depth)
	reply := bytes.Repeat([]byte("$5\r\nvalue\r\n"), depth)
	sbuf := make([]byte, 2*len(req))
	cbuf := make([]byte, 2*len(reply))
	return n, func() {
		c.OnInput(req)
		if got := drain(t, sfar, sbuf, len(req)); !bytes.Equal(got, req) {
			t.Fatalf("unexpected bytes to the datastore; got %q; want %q", got, req)
		}
		s.OnServerInput(reply)
		if got := drain(t, cfar, cbuf, len(reply)); !bytes.Equal(got, reply) {
			t.Fatalf("unexpected bytes to the client; got %q; want %q", got, reply)
		}
	}
}
