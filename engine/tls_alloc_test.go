//go:build !race

package engine

import (
	"bytes"
	"crypto/tls"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/secure"
)

// recordingConn is a TLS client's socket that, once recording, keeps
// what the client writes (its records) instead of sending it.
type recordingConn struct {
	net.Conn
	mu  sync.Mutex
	rec bool
	out []byte
}

func (r *recordingConn) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rec {
		r.out = append(r.out, b...)
		return len(b), nil
	}
	return r.Conn.Write(b)
}

// TestAllocsTLSClientGET pins the TLS client's request path of the engine:
// one GET's record decrypted into OnInput (inbound.TLSConn.Input), forwarded,
// and its reply sealed and written by the flush. crypto/tls allocates one
// small reader per record it reads (see secure's allocation test); the
// engine adds nothing to it.
func TestAllocsTLSClientGET(t *testing.T) {
	const rounds = 300
	n, round := tlsForwardRig(t, rounds)
	for range 10 {
		round()
	}
	if allocs := testing.AllocsPerRun(rounds-20, round); allocs > 1 {
		t.Fatalf("unexpected allocations per TLS GET; got %v; want at most crypto/tls's one", allocs)
	}
	if got := n.env.Inflight.Load(); got != 0 {
		t.Fatalf("unexpected msgs left in flight; got %d; want 0", got)
	}
}

// BenchmarkForwardGET is one GET forwarded for a plain client (the
// engine's CPU per request), next to BenchmarkForwardGETTLS.
func BenchmarkForwardGET(b *testing.B) {
	_, round := forwardRig(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		round()
	}
}

// BenchmarkForwardGETTLS is BenchmarkForwardGET for a TLS client.
func BenchmarkForwardGETTLS(b *testing.B) {
	_, round := tlsForwardRig(b, b.N+1)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		round()
	}
}

// tlsForwardRig is forwardRig with a handshaken TLS client: the returned
// function forwards one GET, up to rounds times.
func tlsForwardRig(t testing.TB, rounds int) (*Node, func()) {
	n, c, cfar, s, sfar := rigConns(t, Options{Config: testConfig("127.0.0.1:1")})
	ca := enginetest.NewCA(t, "clients")
	cert, key := ca.Issue(t, "node")
	certs, err := secure.NewCerts(conf.TLS{Enabled: true, CertFile: cert, KeyFile: key})
	if err != nil {
		t.Fatal(err)
	}
	n.sec.client, n.sec.clientSide.Config = certs, certs.ServerConfig()

	// The handshake, over loopback TCP: the test reads the server's side
	// and feeds it, as the poller does.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tc := n.sec.clientSide.Over(c, secure.PolledIO{
		Local: srv.LocalAddr(), Remote: srv.RemoteAddr(),
		WriteAll: func(b []byte, _ time.Duration) error { _, err := srv.Write(b); return err },
		Close:    func() { srv.Close() },
	})
	stop := make(chan struct{})
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		buf := make([]byte, 4096)
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = srv.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
			k, err := srv.Read(buf)
			if k > 0 {
				tc.Input(buf[:k])
			}
			if ne, ok := err.(net.Error); err != nil && !(ok && ne.Timeout()) {
				return
			}
		}
	}()
	rc := &recordingConn{Conn: raw}
	client := tls.Client(rc, &tls.Config{RootCAs: ca.Pool, ServerName: "127.0.0.1"})
	cerr := make(chan error, 1)
	go func() { cerr <- client.Handshake() }()
	tc.Handshake() // registers c, as a handshaken client
	if err := <-cerr; err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-fed
	if !tc.Serving() {
		t.Fatal("the client is not served after its handshake")
	}

	// The requests' records, made beforehand.
	req := []byte("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n")
	rc.mu.Lock()
	rc.rec = true
	rc.mu.Unlock()
	for range rounds {
		if _, err := client.Write(req); err != nil {
			t.Fatal(err)
		}
	}
	rec := len(rc.out) / rounds
	reply := []byte("$5\r\nvalue\r\n")
	sbuf := make([]byte, 2*len(req))
	cbuf := make([]byte, 4096)
	i := 0
	round := func() {
		tc.Input(rc.out[i*rec : (i+1)*rec])
		i++
		if got := drain(t, sfar, sbuf, len(req)); !bytes.Equal(got, req) {
			t.Fatalf("unexpected bytes to the datastore; got %q; want %q", got, req)
		}
		s.OnServerInput(reply)
		// One TLS 1.3 record: header, reply, content type, tag.
		if got := drain(t, cfar, cbuf, 5+len(reply)+1+16); len(got) != 5+len(reply)+1+16 {
			t.Fatalf("unexpected bytes to the client: %d", len(got))
		}
	}
	return n, round
}
