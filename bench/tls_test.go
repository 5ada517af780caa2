package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"slices"
	"testing"
	"time"
)

// TestTLSArgs: the TLS options parse and render back as memtier's.
func TestTLSArgs(t *testing.T) {
	in := []string{"--tls", "--cacert=ca.crt", "--cert=c.crt", "--key=c.key", "--sni=localhost", "--tls-skip-verify"}
	c, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if !c.TLS || c.TLSCACert != "ca.crt" || c.TLSCert != "c.crt" || c.TLSKey != "c.key" || c.TLSServerName != "localhost" || !c.TLSSkipVerify {
		t.Fatalf("unexpected config; got %+v", c)
	}
	args := c.Args()
	for _, a := range in {
		if !slices.Contains(args, a) {
			t.Fatalf("unexpected args; got %q; want %q in them", args, a)
		}
	}
	if _, err := c.tlsConfig(); err == nil {
		t.Fatal("unexpected nil error for a missing --cacert file")
	}
}

// TestRunTLS: a run with TLS against a TLS echo of "+OK" replies counts
// every request, and a run without TLS against the same server fails.
func TestRunTLS(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "t"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: k}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go serveOK(ln)
	cfg := DefaultConfig()
	cfg.Server, cfg.Port = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	cfg.Threads, cfg.Clients, cfg.Requests, cfg.Ratio = 2, 3, 50, Ratio{Set: 1, Get: 0}
	cfg.TLS, cfg.TLSSkipVerify = true, true
	r, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Totals.Count, int64(2*3*50); got != want {
		t.Fatalf("unexpected request count; got %d; want %d", got, want)
	}
	cfg.TLSSkipVerify = false // a self-signed certificate without --cacert
	if _, err := Run(context.Background(), cfg, nil); err == nil {
		t.Fatal("unexpected nil error for an unverified certificate")
	}
}

// serveOK answers "+OK" to every request line ending a RESP command's last
// bulk, until ln closes.
func serveOK(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 64<<10)
			pending := []byte{}
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				pending = append(pending, buf[:n]...)
				// every SET of this test is "*3\r\n$3\r\nSET\r\n$K\r\nkey\r\n$32\r\nvalue\r\n": 7 lines
				lines := 0
				cut := 0
				var out []byte
				for i, b := range pending {
					if b == '\n' {
						lines++
						if lines == 7 {
							out = append(out, "+OK\r\n"...)
							lines, cut = 0, i+1
						}
					}
				}
				pending = pending[cut:]
				if _, err := c.Write(out); err != nil {
					return
				}
			}
		}()
	}
}
