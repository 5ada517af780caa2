package secure_test

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/secure"
)

const hsTimeout = 500 * time.Millisecond

// rig is a TLS listener whose handler echoes every line it reads on the
// plain end upper-cased, as a node on netpoll would see the connection.
type rig struct {
	addr   string
	certs  *secure.Certs
	mu     sync.Mutex
	fails  []error
	served int
	closed bool // set by the clean-up; a later handshake is closed unserved
}

func startRig(t *testing.T, block conf.TLS) *rig {
	t.Helper()
	certs, err := secure.NewCerts(block)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{addr: ln.Addr().String(), certs: certs}
	var wg sync.WaitGroup
	l := &secure.Listener{Config: certs.ServerConfig(), Timeout: hsTimeout,
		Handle: func(f *os.File, _ *tls.Conn) {
			r.mu.Lock()
			if r.closed {
				// the test is over: a handshake that finished late
				r.mu.Unlock()
				f.Close()
				return
			}
			r.served++
			wg.Add(1) // under r.mu, ordered before the Wait of the clean-up
			r.mu.Unlock()
			defer wg.Done()
			defer f.Close()
			buf := make([]byte, 1024)
			for {
				n, err := f.Read(buf)
				if n > 0 {
					if _, werr := f.Write([]byte(strings.ToUpper(string(buf[:n])))); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		},
		Failed: func(_ net.Addr, err error) {
			r.mu.Lock()
			r.fails = append(r.fails, err)
			r.mu.Unlock()
		}}
	done := make(chan struct{})
	go func() { _ = l.Serve(ln); close(done) }()
	t.Cleanup(func() {
		ln.Close()
		<-done
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		wg.Wait()
	})
	return r
}

func (r *rig) failures() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.fails...)
}

// waitFailure waits for the listener to report n failed handshakes.
func (r *rig) waitFailure(t *testing.T, n int, within time.Duration) []error {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if f := r.failures(); len(f) >= n {
			return f
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no failed handshake reported within %v; got %v", within, r.failures())
	return nil
}

func echo(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != strings.ToUpper(msg) {
		t.Fatalf("unexpected echo; got %q, %v; want %q", got, err, strings.ToUpper(msg))
	}
}

// mutual sets up a CA, a server pair and a client pair for peer_tls.
func mutual(t *testing.T) (dir string, root *ca, server conf.TLS, client conf.TLS) {
	dir = t.TempDir()
	root = newCA(t, "root")
	caFile := root.write(t, dir, "ca.crt")
	nb, na := valid()
	sc, sk := root.leaf(t, dir, "server", 2, nb, na)
	cc, ck := root.leaf(t, dir, "client", 3, nb, na)
	server = conf.TLS{Enabled: true, CertFile: sc, KeyFile: sk, CAFile: caFile, VerifyClients: true}
	client = conf.TLS{Enabled: true, CertFile: cc, KeyFile: ck, CAFile: caFile}
	return
}

func TestBridgeMutualTLS(t *testing.T) {
	_, _, server, client := mutual(t)
	r := startRig(t, server)
	cc, err := secure.NewCerts(client)
	if err != nil {
		t.Fatal(err)
	}
	// A crypto/tls client straight to the port.
	c, err := tls.Dial("tcp", r.addr, cc.ClientConfig("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	echo(t, c, "get foo\r\n")
	echo(t, c, strings.Repeat("x", 100000)[:1000])
	// secure.Dial: the dialling side bridged too.
	f, err := secure.Dial("tcp", r.addr, cc.ClientConfig("127.0.0.1"), hsTimeout)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	echo(t, pc, "set k v\r\n")
	// The node closing its end closes the TLS connection.
	pc.Close()
	// The TLS client closing makes the node's end read EOF (the echo
	// handler returns); Cleanup waits for it.
	if len(r.failures()) != 0 {
		t.Fatalf("unexpected handshake failures %v", r.failures())
	}
}

func TestBridgeRefusals(t *testing.T) {
	dir, _, server, client := mutual(t)
	r := startRig(t, server)
	f := func(name string, cfg *tls.Config, wantClient string) {
		t.Helper()
		before := len(r.failures())
		start := time.Now()
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", r.addr, cfg)
		if err == nil {
			// TLS 1.3: the client may finish before the server rejects
			// its certificate; the first read shows the refusal.
			_ = c.SetDeadline(time.Now().Add(2 * time.Second))
			_, err = c.Read(make([]byte, 1))
			c.Close()
		}
		if err == nil || !strings.Contains(err.Error(), wantClient) {
			t.Fatalf("%s: unexpected client error; got %v; want one containing %q", name, err, wantClient)
		}
		r.waitFailure(t, before+1, 2*time.Second)
		if d := time.Since(start); d > hsTimeout+time.Second {
			t.Fatalf("%s: refusal took %v", name, d)
		}
	}
	cc, _ := secure.NewCerts(client)
	// A client certificate from another CA.
	other := newCA(t, "other")
	nb, na := valid()
	oc, ok := other.leaf(t, dir, "intruder", 4, nb, na)
	bad := cc.ClientConfig("127.0.0.1")
	pair, err := tls.LoadX509KeyPair(oc, ok)
	if err != nil {
		t.Fatal(err)
	}
	bad.Certificates = []tls.Certificate{pair}
	f("client cert from another CA", bad, "certificate")
	// A client that trusts another CA.
	wrongCA := cc.ClientConfig("127.0.0.1")
	wrongCA.RootCAs = nil
	wrongCA.RootCAs = x509Pool(t, other)
	f("server cert from an unknown CA", wrongCA, "unknown authority")
	// No client certificate at all.
	none := cc.ClientConfig("127.0.0.1")
	none.Certificates = nil
	f("no client certificate", none, "certificate")
}

func TestBridgeExpiredAndNotYetValid(t *testing.T) {
	dir := t.TempDir()
	root := newCA(t, "root")
	caFile := root.write(t, dir, "ca.crt")
	for _, tc := range []struct {
		name   string
		nb, na time.Time
		want   string
	}{
		{"expired", time.Now().Add(-2 * time.Hour), time.Now().Add(-time.Hour), "expired"},
		{"not yet valid", time.Now().Add(time.Hour), time.Now().Add(2 * time.Hour), "not yet valid"},
	} {
		sc, sk := root.leaf(t, dir, strings.ReplaceAll(tc.name, " ", "_"), 5, tc.nb, tc.na)
		r := startRig(t, conf.TLS{Enabled: true, CertFile: sc, KeyFile: sk})
		cc, _ := secure.NewCerts(conf.TLS{Enabled: true, CAFile: caFile})
		_, err := tls.Dial("tcp", r.addr, cc.ClientConfig("127.0.0.1"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: unexpected error; got %v; want one containing %q", tc.name, err, tc.want)
		}
		r.waitFailure(t, 1, 2*time.Second)
	}
}

func TestBridgePlainClientAndStall(t *testing.T) {
	_, _, server, _ := mutual(t)
	r := startRig(t, server)
	// A plain RESP client on the TLS port: refused at once.
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _ = c.Write([]byte("*1\r\n$4\r\nPING\r\n"))
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, _ = io.ReadAll(c) // the server's alert, then EOF
	c.Close()
	if d := time.Since(start); d > hsTimeout+time.Second {
		t.Fatalf("plain client held for %v", d)
	}
	r.waitFailure(t, 1, 2*time.Second)
	// A client that connects and says nothing: cut at the timeout.
	s, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start = time.Now()
	_ = s.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = s.Read(make([]byte, 1))
	d := time.Since(start)
	if err == nil || d < hsTimeout-50*time.Millisecond || d > hsTimeout+2*time.Second {
		t.Fatalf("stalled handshake: unexpected read result %v after %v; want EOF after about %v", err, d, hsTimeout)
	}
	fails := r.waitFailure(t, 2, 2*time.Second)
	if !errors.Is(fails[1], secure.ErrHandshakeTimeout) {
		t.Fatalf("unexpected failure for a stalled handshake; got %v; want %v", fails[1], secure.ErrHandshakeTimeout)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.served != 0 {
		t.Fatalf("unexpected connections handed to the node: %d", r.served)
	}
}

// Reload swaps the server's pair for new handshakes; a connection made
// before keeps working.
func TestCertsReload(t *testing.T) {
	dir, root, server, client := mutual(t)
	r := startRig(t, server)
	cc, _ := secure.NewCerts(client)
	old, err := tls.Dial("tcp", r.addr, cc.ClientConfig("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	echo(t, old, "before\r\n")
	if s := old.ConnectionState().PeerCertificates[0].SerialNumber.Int64(); s != 2 {
		t.Fatalf("unexpected serial %d; want 2", s)
	}
	// New files in place, then Reload (what SIGHUP does).
	nb, na := valid()
	root.leaf(t, dir, "server", 99, nb, na)
	if err := r.certs.Reload(); err != nil {
		t.Fatal(err)
	}
	fresh, err := tls.Dial("tcp", r.addr, cc.ClientConfig("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if s := fresh.ConnectionState().PeerCertificates[0].SerialNumber.Int64(); s != 99 {
		t.Fatalf("unexpected serial after Reload %d; want 99", s)
	}
	echo(t, fresh, "new\r\n")
	echo(t, old, "still there\r\n")
	// A broken file: Reload fails and the previous pair stays.
	write(t, server.KeyFile, []byte("junk"))
	if err := r.certs.Reload(); err == nil {
		t.Fatal("unexpected Reload success with a broken key file")
	}
	again, err := tls.Dial("tcp", r.addr, cc.ClientConfig("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
}

func TestNewCertsErrors(t *testing.T) {
	if _, err := secure.NewCerts(conf.TLS{}); !errors.Is(err, secure.ErrNotEnabled) {
		t.Fatalf("unexpected error; got %v; want %v", err, secure.ErrNotEnabled)
	}
	if _, err := secure.NewCerts(conf.TLS{Enabled: true, CertFile: "/nonexistent.crt", KeyFile: "/nonexistent.key"}); err == nil {
		t.Fatal("unexpected success with missing files")
	}
}
