package engine

import (
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// tlsProxy is proxy with client_tls; it returns the CA the clients trust.
func tlsProxy(t *testing.T) (*Node, *enginetest.CA) {
	t.Helper()
	ca := enginetest.NewCA(t, "clients")
	cert, key := ca.Issue(t, "node")
	n, _ := proxy(t, func(p *conf.Pool) {
		p.ClientTLS = conf.TLS{Enabled: true, CertFile: cert, KeyFile: key}
	})
	return n, ca
}

func dialTLSClient(t *testing.T, n *Node, ca *enginetest.CA) (*tls.Conn, *enginetest.Client) {
	t.Helper()
	raw, err := net.DialTimeout("tcp", n.ClientAddr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(raw, &tls.Config{RootCAs: ca.Pool, ServerName: "127.0.0.1"})
	t.Cleanup(func() { tc.Close() })
	c := enginetest.NewClient(tc)
	c.Timeout = 10 * time.Second
	return tc, c
}

func clientCount(n *Node) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.clients)
}

// A TLS client that half-closes with a reply owed lingers and gets it; a
// closed one leaves the node's client set; the node's shutdown ends the
// open ones.
func TestTLSClientLingerAndClose(t *testing.T) {
	n, ca := tlsProxy(t)
	tc, c := dialTLSClient(t, n, ca)
	expect(t, c, "+OK\r\n", "SET", "hc", "v")
	const busy = "local t = redis.call('TIME') repeat local u = redis.call('TIME') " +
		"until (u[1] - t[1]) * 1000000 + (u[2] - t[2]) >= 300000 return 1"
	c.Send("EVAL", busy, "1", "hc")
	c.Send("GET", "hc")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := tc.CloseWrite(); err != nil { // close_notify
		t.Fatal(err)
	}
	for _, want := range []string{":1\r\n", "$1\r\nv\r\n"} {
		r, err := c.Read()
		if err != nil || string(r.Raw) != want {
			t.Fatalf("unexpected reply after the half-close; got %v, %v; want %q", r, err, want)
		}
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("the script was answered after %v: no reply was owed at the half-close", d)
	}
	tc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if rest, err := io.ReadAll(tc); err != nil || len(rest) != 0 {
		t.Fatalf("unexpected stream end; got %q, %v; want end of stream", rest, err)
	}
	waitClients := func(want int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for clientCount(n) != want && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := clientCount(n); got != want {
			t.Fatalf("unexpected client count %d; want %d", got, want)
		}
	}
	waitClients(0)
	o1, c1 := dialTLSClient(t, n, ca)
	expect(t, c1, "+PONG\r\n", "PING")
	_, c2 := dialTLSClient(t, n, ca)
	expect(t, c2, "+PONG\r\n", "PING")
	waitClients(2)
	o1.Close()
	waitClients(1)
	if err := n.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Read(); err == nil {
		t.Fatal("unexpected reply after the node's shutdown; want the connection closed")
	}
	waitClients(0)
}

// A handshaken client that sends a forged record is closed; a plain
// client on the TLS port fails its handshake and is counted; the other
// clients are served throughout.
func TestTLSClientBadRecord(t *testing.T) {
	n, ca := tlsProxy(t)
	_, good := dialTLSClient(t, n, ca)
	expect(t, good, "+OK\r\n", "SET", "br", "v")
	raw, err := net.DialTimeout("tcp", n.ClientAddr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tc := tls.Client(raw, &tls.Config{RootCAs: ca.Pool, ServerName: "127.0.0.1"})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	forged := append([]byte{23, 3, 3, 0, 64}, make([]byte, 64)...)
	if _, err := raw.Write(forged); err != nil {
		t.Fatal(err)
	}
	tc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := tc.Read(make([]byte, 16)); err == nil {
		t.Fatal("unexpected data after a forged record; want the connection closed")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the client that sent a forged record was not closed")
	}
	before := n.sec.clientSide.Failed.Load()
	plain, err := net.DialTimeout("tcp", n.ClientAddr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	plain.Write([]byte("*1\r\n$4\r\nPING\r\n"))
	plain.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, _ := io.ReadAll(plain); len(b) > 0 && b[0] == '+' {
		t.Fatalf("unexpected reply %q to a plain client on the TLS port", b)
	}
	deadline := time.Now().Add(5 * time.Second)
	for n.sec.clientSide.Failed.Load() == before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := n.sec.clientSide.Failed.Load(); got != before+1 {
		t.Fatalf("unexpected handshake failure count %d; want %d", got, before+1)
	}
	expect(t, good, "$1\r\nv\r\n", "GET", "br")
}
