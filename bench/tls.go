package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// TLS connections (Config.TLS, memtier's --tls): the client dials TCP,
// completes the handshake before the run starts, and then drives the
// connection through crypto/tls. Such a connection cannot be handed to a
// thread's epoll loop (the loop reads and writes the raw socket), so each
// client of a TLS run has a goroutine of its own that writes a pipeline's
// worth of requests, reads until their replies are in and writes the next
// ones (runConns): the request pattern is the same, the scheduling is Go's.

// tlsConfig returns the client TLS configuration of c, nil when c.TLS is
// off; an unreadable file is an error.
func (c *Config) tlsConfig() (*tls.Config, error) {
	if !c.TLS {
		return nil, nil
	}
	tc := &tls.Config{ServerName: c.TLSServerName, InsecureSkipVerify: c.TLSSkipVerify, MinVersion: tls.VersionTLS12}
	if tc.ServerName == "" && c.UnixSocket == "" {
		tc.ServerName = c.Server
	}
	if c.TLSCACert != "" {
		pem, err := os.ReadFile(c.TLSCACert)
		if err != nil {
			return nil, fmt.Errorf("cannot read --cacert: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("cannot use --cacert %s: %w", c.TLSCACert, errNoCerts)
		}
	}
	if c.TLSCert != "" || c.TLSKey != "" {
		pair, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("cannot load --cert and --key: %w", err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	return tc, nil
}

var errNoCerts = errors.New("bench: no PEM certificate in the file")

// appendTLSArgs appends the TLS options of c to memtier arguments a.
func (c *Config) appendTLSArgs(a []string) []string {
	if !c.TLS {
		return a
	}
	a = append(a, "--tls")
	for _, kv := range [][2]string{{"cacert", c.TLSCACert}, {"cert", c.TLSCert}, {"key", c.TLSKey}, {"sni", c.TLSServerName}} {
		if kv[1] != "" {
			a = append(a, "--"+kv[0]+"="+kv[1])
		}
	}
	if c.TLSSkipVerify {
		a = append(a, "--tls-skip-verify")
	}
	return a
}

// handshake wraps conn in a TLS client and completes the handshake before
// ctx ends; conn is closed on failure.
func handshake(ctx context.Context, conn net.Conn, tc *tls.Config) (net.Conn, error) {
	tconn := tls.Client(conn, tc)
	if err := tconn.HandshakeContext(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("cannot complete the TLS handshake: %w", err)
	}
	return tconn, nil
}

// runConns drives every client of a thread on a goroutine of its own over
// its net.Conn, until each has nothing in flight; it fails when a
// connection breaks or replies are still missing at hardStop.
func runConns(clients []*client, hardStop time.Time) error {
	var wg sync.WaitGroup
	errs := make([]error, len(clients))
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.runConn(hardStop)
			c.live.done.Store(true)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// runConn is one client's loop over its connection.
func (c *client) runConn(hardStop time.Time) error {
	if err := c.conn.SetReadDeadline(hardStop); err != nil {
		return err
	}
	if err := c.fill(time.Now()); err != nil {
		return fmt.Errorf("cannot write request: %w", err)
	}
	for c.n > 0 {
		if c.r == len(c.rbuf) {
			c.rbuf = append(c.rbuf, make([]byte, len(c.rbuf))...) // a reply larger than the buffer
		}
		m, err := c.conn.Read(c.rbuf[c.r:])
		if m == 0 && err != nil {
			return fmt.Errorf("cannot read reply: %w", err)
		}
		c.r += m
		now := time.Now()
		used, err := c.consume(c.rbuf[:c.r], int64(now.Sub(c.start)))
		if err != nil {
			return err
		}
		c.r = copy(c.rbuf, c.rbuf[used:c.r])
		if err := c.fill(now); err != nil {
			return fmt.Errorf("cannot write request: %w", err)
		}
	}
	return nil
}
