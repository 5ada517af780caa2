package secure_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/secure"
)

// A client-mode Polled: the handshake reads the socket itself
// (PolledIO.Read), then the test plays the event loop (Decrypt of what
// the socket reads, Seal of what it writes) against a crypto/tls server
// that requires a client certificate.
func TestPolledClientEcho(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, _, server, client := mutual(t)
	sc, err := secure.NewCerts(server)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := secure.NewCerts(client)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { // an echo server over TLS
		raw, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer raw.Close()
		tc := tls.Server(raw, sc.ServerConfig())
		_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 64<<10)
		for {
			n, err := tc.Read(buf)
			if n > 0 {
				if _, werr := tc.Write(buf[:n]); werr != nil {
					done <- werr
					return
				}
			}
			if err != nil {
				done <- err
				return
			}
		}
	}()
	cli, p := dialPolledClient(t, ln.Addr().String(), cc.ClientConfig("127.0.0.1"))
	if err := p.Handshake(5 * time.Second); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if got := p.TLS().ConnectionState().PeerCertificates; len(got) == 0 {
		t.Fatal("no server certificate after the handshake")
	}
	want := bytes.Repeat([]byte("0123456789abcdef"), 3000) // several records
	sealed, err := p.Seal(nil, want)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, want[:64]) {
		t.Fatal("the sealed records carry the plaintext")
	}
	if _, err := cli.Write(sealed); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 16<<10)
	raw := make([]byte, 4096) // small reads: records cut short
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < len(want) && time.Now().Before(deadline) {
		_ = cli.SetReadDeadline(deadline)
		n, err := cli.Read(raw)
		if err := p.Decrypt(raw[:n], buf, func(b []byte) { got = append(got, b...) }); err != nil {
			t.Fatalf("decrypt: %v", err)
		}
		if err != nil {
			break
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("echo: got %d bytes, want %d equal ones", len(got), len(want))
	}
	cli.Close()
	<-done
}

// A client-mode handshake against a silent server times out, and the
// socket is closed.
func TestPolledClientTimeout(t *testing.T) {
	_, _, _, client := mutual(t)
	cc, err := secure.NewCerts(client)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // silent: accepts and never answers
		c, err := ln.Accept()
		if err == nil {
			time.Sleep(time.Second)
			c.Close()
		}
	}()
	cli, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	closed := make(chan struct{}, 1)
	p := secure.NewPolledClient(cc.ClientConfig("127.0.0.1"), secure.PolledIO{
		Local: cli.LocalAddr(), Remote: cli.RemoteAddr(),
		WriteAll: func(b []byte, _ time.Duration) error { _, err := cli.Write(b); return err },
		Close:    func() { closed <- struct{}{} },
		Read: func(b []byte, deadline time.Time) (int, error) {
			_ = cli.SetReadDeadline(deadline)
			return cli.Read(b)
		},
	})
	start := time.Now()
	err = p.Handshake(200 * time.Millisecond)
	if !errors.Is(err, secure.ErrHandshakeTimeout) || time.Since(start) > 900*time.Millisecond {
		t.Fatalf("handshake with a silent server: %v after %v; want a timeout at 200ms", err, time.Since(start))
	}
	select {
	case <-closed:
	default:
		t.Fatal("the socket was not closed after the failed handshake")
	}
}

// dialPolledClient connects to addr and makes the client-mode Polled of
// the socket, its handshake reading the socket itself.
func dialPolledClient(t *testing.T, addr string, cfg *tls.Config) (net.Conn, *secure.Polled) {
	t.Helper()
	cli, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	p := secure.NewPolledClient(cfg, secure.PolledIO{
		Local: cli.LocalAddr(), Remote: cli.RemoteAddr(),
		WriteAll: func(b []byte, wait time.Duration) error {
			_ = cli.SetWriteDeadline(time.Now().Add(wait))
			_, err := cli.Write(b)
			return err
		},
		Close: func() { cli.Close() },
		Read: func(b []byte, deadline time.Time) (int, error) {
			_ = cli.SetReadDeadline(deadline)
			return cli.Read(b)
		},
	})
	return cli, p
}

// A server whose certificate another CA signed fails the client-mode
// handshake at once (not at its timeout).
func TestPolledClientForeignServer(t *testing.T) {
	dir, _, _, client := mutual(t)
	cc, err := secure.NewCerts(client)
	if err != nil {
		t.Fatal(err)
	}
	nb, na := valid()
	certFile, keyFile := newCA(t, "other").leaf(t, dir, "intruder", 9, nb, na)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			return
		}
		defer raw.Close()
		tc := tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{cert}})
		_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
		_ = tc.Handshake()
	}()
	_, p := dialPolledClient(t, ln.Addr().String(), cc.ClientConfig("127.0.0.1"))
	start := time.Now()
	err = p.Handshake(5 * time.Second)
	if err == nil || errors.Is(err, secure.ErrHandshakeTimeout) || time.Since(start) > 2*time.Second {
		t.Fatalf("handshake with a server of another CA: %v after %v; want a verification failure", err, time.Since(start))
	}
}
