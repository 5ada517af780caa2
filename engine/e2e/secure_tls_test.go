package e2e

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// TLS on the client port and the stats port (issue 13.2), and the reload
// of certificates on SIGHUP.

// tlsNode starts a redis-server and a node whose client and stats ports
// serve TLS with a certificate of ca; it returns the node and the files of
// its certificate (to replace them).
func tlsNode(t *testing.T, ca *enginetest.CA) (node *enginetest.Proc, certFile, keyFile string) {
	t.Helper()
	certFile, keyFile = ca.Issue(t, "node")
	redis := enginetest.Redis(t)
	cfg, err := enginetest.SingleNode(redis)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = 1000
	cfg.Extra = map[string]string{
		"client_tls": tlsBlock("cert_file", certFile, "key_file", keyFile),
		"stats_tls":  tlsBlock("cert_file", certFile, "key_file", keyFile),
	}
	return enginetest.Node(t, cfg), certFile, keyFile
}

// dialTLS opens a TLS client to addr that trusts ca and returns it with
// the serial number of the certificate the server showed.
func dialTLS(t *testing.T, addr string, ca *enginetest.CA) (*enginetest.Client, string) {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
		&tls.Config{RootCAs: ca.Pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("cannot dial %s with TLS: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	return enginetest.NewClient(conn), conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
}

func TestClientTLSWithRedisCLI(t *testing.T) {
	ca := enginetest.NewCA(t, "clients")
	node, _, _ := tlsNode(t, ca)
	host, port, _ := net.SplitHostPort(node.Addr)
	cli := func(args ...string) string {
		t.Helper()
		full := append([]string{"--tls", "--cacert", ca.File, "-h", host, "-p", port}, args...)
		out, err := exec.Command("redis-cli", full...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := cli("SET", "tls:cli", "hello"); got != "OK" {
		t.Fatalf("unexpected redis-cli SET; got %q; want OK", got)
	}
	if got := cli("GET", "tls:cli"); got != "hello" {
		t.Fatalf("unexpected redis-cli GET; got %q; want hello", got)
	}
	// A client that does not trust the CA is refused by its own check.
	other := enginetest.NewCA(t, "other")
	out, err := exec.Command("redis-cli", "--tls", "--cacert", other.File, "-h", host, "-p", port, "PING").CombinedOutput()
	if err == nil && strings.Contains(string(out), "PONG") {
		t.Fatalf("unexpected PONG from a client with the wrong CA: %s", out)
	}
}

func TestClientTLSPlainClientFails(t *testing.T) {
	ca := enginetest.NewCA(t, "clients")
	node, _, _ := tlsNode(t, ca)
	before, _ := dialTLS(t, node.Addr, ca)
	setGet(t, before, "tls:before", "1")

	// A plain client writes RESP to the TLS port: the handshake fails and
	// the node closes it. A silent one is closed at the timeout (1 s).
	plain, err := net.DialTimeout("tcp", node.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	silent, err := net.DialTimeout("tcp", node.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	start := time.Now()
	plain.Write([]byte("*1\r\n$4\r\nPING\r\n"))
	plain.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(plain)
	if bytes.Contains(b, []byte("PONG")) {
		t.Fatalf("unexpected PONG to a plain client on the TLS port")
	}
	// Others are served while the silent client stalls its handshake.
	during, _ := dialTLS(t, node.Addr, ca)
	setGet(t, during, "tls:during", "2")
	silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(silent); err != nil {
		t.Fatalf("unexpected read error on the stalled client; want EOF at the node's timeout; got %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("unexpected time for the stalled handshake to fail; got %v; want about the 1 s timeout", d)
	}
	setGet(t, before, "tls:after", "3")
}

func TestStatsTLS(t *testing.T) {
	ca := enginetest.NewCA(t, "stats")
	node, _, _ := tlsNode(t, ca)
	statsAddr := node.StatsAddr
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool}}}
	resp, err := hc.Get("https://" + statsAddr + "/info")
	if err != nil {
		t.Fatalf("cannot GET /info over HTTPS: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"service"`)) {
		t.Fatalf("unexpected /info over HTTPS; got %d %q", resp.StatusCode, trunc(body))
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	if resp, err := plain.Get("http://" + statsAddr + "/info"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatalf("unexpected 200 for plain HTTP on the stats TLS port")
		}
	}
}

func TestClientTLSReloadOnSIGHUP(t *testing.T) {
	ca := enginetest.NewCA(t, "clients")
	node, certFile, keyFile := tlsNode(t, ca)
	old, oldSerial := dialTLS(t, node.Addr, ca)
	setGet(t, old, "reload:1", "a")

	newCert, newKey := ca.Issue(t, "node")
	for _, f := range [][2]string{{newCert, certFile}, {newKey, keyFile}} {
		b, err := os.ReadFile(f[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f[1], b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want := serialOf(t, newCert)
	if want == oldSerial {
		t.Fatalf("BUG: the new certificate has the old serial %s", want)
	}
	if err := node.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	got := oldSerial
	for got != want && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		var c *enginetest.Client
		c, got = dialTLS(t, node.Addr, ca)
		c.Close()
	}
	if got != want {
		t.Fatalf("unexpected certificate after SIGHUP; got serial %s; want %s", got, want)
	}
	setGet(t, old, "reload:2", "b") // the established connection keeps working
	if !strings.Contains(node.Log(), "reloading certificates") {
		t.Fatalf("unexpected log; want the SIGHUP line to say certificates were reloaded:\n%s", node.Log())
	}
}

func serialOf(t *testing.T, certFile string) string {
	t.Helper()
	c, err := tls.LoadX509KeyPair(certFile, strings.TrimSuffix(certFile, ".crt")+".key")
	if err != nil {
		t.Fatal(err)
	}
	x, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return x.SerialNumber.String()
}

// A TLS client is served like a plain one: a pipeline whose replies the
// client reads late (the node's writes fill the socket), a half-closed
// client that still gets its replies, QUIT; a failed handshake is counted
// in /info and /metrics.
func TestClientTLSLikePlain(t *testing.T) {
	ca := enginetest.NewCA(t, "clients")
	node, _, _ := tlsNode(t, ca)
	c, _ := dialTLS(t, node.Addr, ca)
	big := strings.Repeat("v", 64<<10)
	r, err := c.Do("SET", "tls:big", big)
	replyIs(t, "SET tls:big", r, err, "+OK\r\n")
	const gets = 200
	for i := 0; i < gets; i++ {
		c.Send("GET", "tls:big")
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // about 13 MB of replies wait
	for i := 0; i < gets; i++ {
		r, err := c.Read()
		if err != nil || string(r.Str) != big {
			t.Fatalf("unexpected reply %d to a pipelined GET: %v (%d bytes)", i, err, len(r.Str))
		}
	}

	// Half-closed: close_notify and the TCP FIN after the requests.
	raw, err := net.DialTimeout("tcp", node.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	hc := tls.Client(raw, &tls.Config{RootCAs: ca.Pool, ServerName: "127.0.0.1"})
	hc.SetDeadline(time.Now().Add(10 * time.Second))
	cl := enginetest.NewClient(hc)
	cl.Send("SET", "tls:half", "h")
	cl.Send("GET", "tls:half")
	if err := cl.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := hc.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	raw.(*net.TCPConn).CloseWrite()
	r, err = cl.Read()
	replyIs(t, "SET from a half-closed client", r, err, "+OK\r\n")
	r, err = cl.Read()
	replyIs(t, "GET from a half-closed client", r, err, "$1\r\nh\r\n")
	if _, err := cl.Read(); err == nil {
		t.Fatal("unexpected reply after the half-closed client's last one; want EOF")
	}

	q, _ := dialTLS(t, node.Addr, ca)
	r, err = q.Do("QUIT")
	replyIs(t, "QUIT", r, err, "+OK\r\n")
	if _, err := q.Read(); err == nil {
		t.Fatal("unexpected reply after QUIT; want EOF")
	}

	// A plain client on the TLS port fails its handshake: counted.
	plain, err := net.DialTimeout("tcp", node.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	plain.Write([]byte("*1\r\n$4\r\nPING\r\n"))
	plain.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.ReadAll(plain)
	plain.Close()
	web := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool}}}
	get := func(path string) string {
		t.Helper()
		resp, err := web.Get("https://" + node.StatsAddr + path)
		if err != nil {
			t.Fatalf("cannot GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	var info string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if info = get("/info"); strings.Contains(info, `"client_tls_handshake_failures":1`) {
			break
		}
	}
	if !strings.Contains(info, `"client_tls_handshake_failures":1`) || !strings.Contains(info, `"peer_tls_handshake_failures":0`) {
		t.Fatalf("unexpected /info: want client_tls_handshake_failures 1 and peer_tls_handshake_failures 0 in %.3000s", info)
	}
	if m := get("/metrics"); !strings.Contains(m, "client_tls_handshake_failures") {
		t.Fatalf("unexpected /metrics: no client_tls_handshake_failures in %.2000s", m)
	}
	setGet(t, c, "tls:still", "s") // the first client was not disturbed
}
