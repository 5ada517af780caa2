package e2e

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// TLS on peer links (issue 13.2): with peer_tls, nodes dial their peers
// over TLS and serve dyn_listen over TLS, each side verifying the other's
// certificate against the block's CA. A plain peer, or one whose
// certificate another CA signed, is refused; one with a certificate of
// the CA speaks the dnode protocol inside TLS as usual.

func TestClusterPeerTLS(t *testing.T) {
	ca := enginetest.NewCA(t, "peers")
	members := []enginetest.Member{
		{DC: "dc1", Rack: "rack1", Tokens: "0"},
		{DC: "dc1", Rack: "rack2", Tokens: "0"},
		{DC: "dc1", Rack: "rack3", Tokens: "0"},
	}
	edit := func(i int, c *enginetest.NodeConfig) {
		withConsistency(c, "DC_QUORUM")
		cert, key := ca.Issue(t, fmt.Sprint("node", i))
		c.Extra["peer_tls"] = tlsBlock("cert_file", cert, "key_file", key, "ca_file", ca.File)
	}
	cl := startCluster(t, members, enginetest.NodeConfig{Extra: map[string]string{}}, edit, enginetest.ClusterOptions{})
	for i := range cl.nodes {
		key, val := fmt.Sprintf("ptls:%d", i), fmt.Sprintf("value-%d", i)
		r, err := cl.client(i).Do("SET", key, val)
		replyIs(t, fmt.Sprintf("DC_QUORUM SET through %s", cl.nodes[i]), r, err, "+OK\r\n")
		for _, o := range cl.ownersEverywhere(key) {
			if !cl.waitStored(o, key, val, replWait) {
				t.Fatalf("SET %q through %s: not in the redis of %s", key, cl.nodes[i], cl.nodes[o])
			}
		}
	}
	for i := range cl.nodes {
		for j := range cl.nodes {
			key := fmt.Sprintf("ptls:%d", j)
			r, err := cl.client(i).Do("GET", key)
			replyIs(t, fmt.Sprintf("DC_QUORUM GET %s through %s", key, cl.nodes[i]), r, err, fmt.Sprintf("$7\r\nvalue-%d\r\n", j))
		}
	}

	dyn := cl.nodes[0].Config.DynListen
	set := func(key string) []byte {
		payload := enginetest.AppendCommand(nil, enginetest.Args("SET", key, "x")...)
		h := dnode.AppendHeader(nil, dnode.Plain(1, dnode.TypeReq, true, uint32(len(payload))))
		return append(h, payload...)
	}
	// A plain peer: its frame never reaches the node's request path.
	plain, err := net.DialTimeout("tcp", dyn, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	plain.Write(set("ptls:plain"))
	plain.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(plain)
	if err != nil || bytes.Contains(b, []byte("$2014$")) {
		t.Fatalf("unexpected answer to a plain peer on a peer_tls port; got %q, %v; want a close", b, err)
	}
	// A peer whose certificate another CA signed.
	other := enginetest.NewCA(t, "intruders")
	cert, key := other.Issue(t, "intruder")
	if got := tlsPeerSet(t, dyn, ca, cert, key, set("ptls:intruder")); strings.Contains(got, "+OK") {
		t.Fatalf("unexpected reply to a peer with another CA's certificate: %q", got)
	}
	// A peer with a certificate of the CA is served.
	cert, key = ca.Issue(t, "friend")
	if got := tlsPeerSet(t, dyn, ca, cert, key, set("ptls:friend")); !strings.HasSuffix(got, "+OK\r\n") {
		t.Fatalf("unexpected reply to a peer with the CA's certificate; got %q; want a DMSG_RES +OK", got)
	}
	if v, ok := cl.stored(0, "ptls:friend"); !ok || v != "x" {
		t.Fatalf("the TLS peer's SET is not in node 0's redis; got %q, %v", v, ok)
	}
	for _, k := range []string{"ptls:plain", "ptls:intruder"} {
		if _, ok := cl.stored(0, k); ok {
			t.Fatalf("a refused peer's SET %q reached the redis", k)
		}
	}
	// The two refused handshakes are counted, the cluster's own are not.
	want := `"peer_tls_handshake_failures":2`
	var info string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, _, info = httpGet(t, cl.nodes[0].Node, "/info"); strings.Contains(info, want) {
			break
		}
	}
	if !strings.Contains(info, want) {
		t.Fatalf("unexpected /info of node 0: want %s (the plain peer and the foreign CA) in %.3000s", want, info)
	}
}

// tlsPeerSet dials addr with TLS as a peer with the certificate in
// certFile, sends frame and returns what comes back before a close, an
// error or 5 s.
func tlsPeerSet(t *testing.T, addr string, ca *enginetest.CA, certFile, keyFile string, frame []byte) string {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
		&tls.Config{RootCAs: ca.Pool, ServerName: "127.0.0.1", Certificates: []tls.Certificate{cert}})
	if err != nil {
		return "dial: " + err.Error()
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(frame); err != nil {
		return "write: " + err.Error()
	}
	var got []byte
	buf := make([]byte, 512)
	for i := 0; i < 100 && !bytes.HasSuffix(got, []byte("\r\n+OK\r\n")); i++ {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	return string(got)
}
