package engine

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/secure"
)

// The receiving side of Dynomite's peer encryption (docs/compat.md §5.4):
// an accepted peer connection becomes secured on its first encrypted
// frame, decrypts requests and encrypts its replies; any frame it cannot
// trust closes that connection alone, with one log line.

// lockedLog is a log sink the test reads while the node writes.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the log lines that contain s.
func (l *lockedLog) lines(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.b.String(), "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return out
}

func testPemPath(t testing.TB) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "dynomite.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func testPeerKey(t testing.TB) *dnode.RSAKey {
	t.Helper()
	data, err := os.ReadFile(testPemPath(t))
	if err != nil {
		t.Fatal(err)
	}
	k, err := dnode.ParseRSAKey(data)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// securedPeerNode starts rack1's node of a 2-rack DC (the other rack's
// seed is never up) in front of a real redis-server, with option as its
// secure_server_option, logging warnings to log.
func securedPeerNode(t *testing.T, option string, log io.Writer) (*Node, *enginetest.Proc) {
	t.Helper()
	r := enginetest.Redis(t)
	cfg := testConfig(r.Addr)
	ports := make([]int, 2)
	for i := range ports {
		p, err := enginetest.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = p
	}
	p := &cfg.Pool
	p.DynListen = tcpAddr(ports[0])
	p.Datacenter, p.Rack, p.Tokens = "dc1", "rack1", []uint32{0}
	p.DynSeeds = []conf.Seed{{Addr: tcpAddr(ports[1]), Rack: "rack2", DC: "dc1", Tokens: []uint32{0}}}
	p.ReadConsistency, p.WriteConsistency = "DC_ONE", "DC_ONE"
	p.SecureServerOption, p.PemKeyFile = option, testPemPath(t)
	lg := slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return startNodeOptions(t, Options{Config: cfg, Logger: lg}, nil), r
}

// readFrame reads one dnode frame (header and payload_len bytes) from c,
// keeping what follows in *rest.
func readFrame(t *testing.T, c net.Conn, rest *[]byte) (dnode.Header, []byte) {
	t.Helper()
	var p dnode.Parser
	tmp := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := 0; i < 1000; i++ {
		var h dnode.Header
		skipped, hn, err := p.Parse(*rest, &h)
		if err == nil {
			body := (*rest)[skipped+hn:]
			if len(body) >= int(h.PayloadLen) {
				payload := append([]byte(nil), body[:h.PayloadLen]...)
				h.Data = append([]byte(nil), h.Data...)
				*rest = append((*rest)[:0], body[h.PayloadLen:]...)
				return h, payload
			}
		} else if !errors.Is(err, dnode.ErrIncomplete) {
			t.Fatalf("cannot parse a reply frame: %v", err)
		}
		n, err := c.Read(tmp)
		if err != nil {
			t.Fatalf("cannot read a reply frame: %v", err)
		}
		*rest = append(*rest, tmp[:n]...)
	}
	t.Fatal("no reply frame")
	return dnode.Header{}, nil
}

// securedPeer is a test peer's connection whose frames are encrypted.
type securedPeer struct {
	c    net.Conn
	sess *secure.Session
	id   uint64
	rest []byte
}

func dialSecuredPeer(t *testing.T, n *Node, key *dnode.RSAKey) *securedPeer {
	t.Helper()
	c, err := net.Dial("tcp", n.PeerAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sess, err := secure.NewOutgoing(key, dnode.MbufChunk(16384))
	if err != nil {
		t.Fatal(err)
	}
	return &securedPeer{c: c, sess: sess}
}

// do sends one DMSG_REQ and returns its reply, checking that the reply
// came encrypted and echoes the msg id.
func (p *securedPeer) do(t *testing.T, args ...string) string {
	t.Helper()
	p.id++
	req := enginetest.AppendCommand(nil, enginetest.Args(args...)...)
	if _, err := p.c.Write(p.sess.Seal(nil, dnode.Plain(p.id, dnode.TypeReq, true, 0), req)); err != nil {
		t.Fatal(err)
	}
	h, payload := readFrame(t, p.c, &p.rest)
	if !h.Encrypted() || h.Type != dnode.TypeRes || h.MsgID != p.id {
		t.Fatalf("unexpected reply header; got encrypted %v type %v id %d; want an encrypted response to %d", h.Encrypted(), h.Type, h.MsgID, p.id)
	}
	plain, err := p.sess.Open(payload)
	if err != nil {
		t.Fatalf("cannot decrypt the reply: %v", err)
	}
	if bytes.Contains(payload, plain[:min(len(plain), 64)]) {
		t.Fatalf("unexpected plaintext in an encrypted reply: %q", plain[:min(len(plain), 64)])
	}
	out := string(plain)
	p.sess.ResetInput()
	return out
}

func TestSecuredPeerIn(t *testing.T) {
	key := testPeerKey(t)
	var log lockedLog
	n, r := securedPeerNode(t, "all", &log)
	good := dialSecuredPeer(t, n, key)
	if got := good.do(t, "SET", "sec:a", "hidden-value"); got != "+OK\r\n" {
		t.Fatalf("unexpected reply to SET; got %q; want +OK", got)
	}
	if got := good.do(t, "GET", "sec:a"); got != "$12\r\nhidden-value\r\n" {
		t.Fatalf("unexpected reply to GET; got %q", got)
	}
	// A value over one mbuf_size chunk, both ways.
	big := strings.Repeat("b", 40000)
	if got := good.do(t, "SET", "sec:big", big); got != "+OK\r\n" {
		t.Fatalf("unexpected reply to a large SET; got %q; want +OK", got)
	}
	if got := good.do(t, "GET", "sec:big"); got != "$40000\r\n"+big+"\r\n" {
		t.Fatalf("unexpected reply to a large GET; got %d bytes", len(got))
	}
	rc := enginetest.DialTB(t, r.Addr)
	if rep, err := rc.Do("GET", "sec:a"); err != nil || string(rep.Str) != "hidden-value" {
		t.Fatalf("unexpected value in redis; got %v, %v", rep, err)
	}
	// A plain peer connection to the same node stays plain.
	plainPeer, err := net.Dial("tcp", n.PeerAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer plainPeer.Close()
	if _, err := plainPeer.Write(dnodeFrame(7, dnode.TypeReq, "*2\r\n$3\r\nGET\r\n$5\r\nsec:a\r\n")); err != nil {
		t.Fatal(err)
	}
	var rest []byte
	if h, payload := readFrame(t, plainPeer, &rest); h.Encrypted() || string(payload) != "$12\r\nhidden-value\r\n" {
		t.Fatalf("unexpected reply on a plain peer connection; got encrypted %v payload %q", h.Encrypted(), payload)
	}
}

// badSecuredFrames are encrypted frames a node must not trust, by name.
func badSecuredFrames(t *testing.T, key *dnode.RSAKey) map[string][]byte {
	var k dnode.SessionKey
	for i := range k {
		k[i] = byte(i + 1)
	}
	blob, err := key.WrapAppend(nil, k, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ciph, err := dnode.NewCipher(k)
	if err != nil {
		t.Fatal(err)
	}
	frame := func(blob []byte, ciphertext []byte) []byte {
		b := dnode.AppendHeader(nil, dnode.Secured(1, dnode.TypeReq, true, blob, uint32(len(ciphertext))))
		return append(b, ciphertext...)
	}
	sealed := func(plain string) []byte {
		c, err := ciph.EncryptAppend(nil, []byte(plain), dnode.MbufChunk(16384))
		if err != nil {
			t.Fatal(err)
		}
		return frame(blob, c)
	}
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := dnode.ParseRSAKey(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)}))
	if err != nil {
		t.Fatal(err)
	}
	wrongBlob, err := otherKey.WrapAppend(nil, k, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// One AES block encrypted without padding: its last byte is 0, not
	// a PKCS#7 pad length.
	block, err := aes.NewCipher(k[:16])
	if err != nil {
		t.Fatal(err)
	}
	unpadded := make([]byte, 16)
	cipher.NewCBCEncrypter(block, k[:16]).CryptBlocks(unpadded, make([]byte, 16))
	get := "*2\r\n$3\r\nGET\r\n$5\r\nsec:a\r\n"
	return map[string][]byte{
		"garbage ciphertext": frame(blob, bytes.Repeat([]byte{0xa5}, 48)),
		"wrong rsa key":      frame(wrongBlob, sealed(get)[len(frame(blob, nil)):]),
		"truncated block":    frame(blob, bytes.Repeat([]byte{0x11}, 15)),
		"bad padding":        frame(blob, unpadded),
		"short key blob":     frame(bytes.Repeat([]byte{7}, 100), bytes.Repeat([]byte{0x11}, 16)),
		"long key blob":      frame(bytes.Repeat([]byte{7}, 256), bytes.Repeat([]byte{0x11}, 16)),
		"no key blob":        frame(nil, sealed(get)[len(frame(blob, nil)):]),
		"half a request":     sealed("*2\r\n$3\r\nGET\r\n"),
		"two requests":       sealed(get + get),
		"bad resp":           sealed("*2\r\n$x\r\n"),
		"huge payload_len": append(dnode.AppendHeader(nil, dnode.Secured(1, dnode.TypeReq, true, blob, 4_000_000_000)),
			bytes.Repeat([]byte{0x11}, 16)...),
	}
}

// expectClosedOnce checks that the node closes c and logs one line about it.
func expectClosedOnce(t *testing.T, log *lockedLog, c net.Conn, what string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 256)
	for i := 0; i < 100; i++ {
		n, err := c.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("%s: the connection is still open after 5 s", what)
			}
			break
		}
		if n > 0 {
			t.Fatalf("%s: unexpected bytes from the node: %q", what, buf[:n])
		}
	}
	if lines := log.lines(c.LocalAddr().String()); len(lines) != 1 {
		t.Fatalf("%s: unexpected log lines about the connection; got %d %q; want 1", what, len(lines), lines)
	}
}

func TestSecuredPeerInBadInput(t *testing.T) {
	key := testPeerKey(t)
	var log lockedLog
	n, _ := securedPeerNode(t, "all", &log)
	good := dialSecuredPeer(t, n, key)
	if got := good.do(t, "SET", "sec:a", "v1"); got != "+OK\r\n" {
		t.Fatalf("unexpected reply to SET; got %q; want +OK", got)
	}
	client := dial(t, n)
	for name, frame := range badSecuredFrames(t, key) {
		for _, split := range []bool{false, true} {
			bad, err := net.Dial("tcp", n.PeerAddr().String())
			if err != nil {
				t.Fatal(err)
			}
			if split { // one byte at a time: the node waits for the whole frame
				for i := range frame {
					if _, err := bad.Write(frame[i : i+1]); err != nil {
						break
					}
				}
			} else if _, err := bad.Write(frame); err != nil {
				t.Fatal(err)
			}
			expectClosedOnce(t, &log, bad, name)
			bad.Close()
			if got := good.do(t, "GET", "sec:a"); got != "$2\r\nv1\r\n" {
				t.Fatalf("after %s: unexpected reply on the good peer connection; got %q", name, got)
			}
			expect(t, client, "$2\r\nv1\r\n", "GET", "sec:a")
		}
	}
}

// A node without a pem key (secure_server_option none) closes a peer
// connection whose frame is encrypted, with one log line.
func TestSecuredPeerInWithoutKey(t *testing.T) {
	key := testPeerKey(t)
	var log lockedLog
	n, _ := securedPeerNode(t, "none", &log)
	p := dialSecuredPeer(t, n, key)
	req := enginetest.AppendCommand(nil, enginetest.Args("GET", "k")...)
	if _, err := p.c.Write(p.sess.Seal(nil, dnode.Plain(1, dnode.TypeReq, true, 0), req)); err != nil {
		t.Fatal(err)
	}
	expectClosedOnce(t, &log, p.c, "encrypted frame on a node without a key")
	if lines := log.lines("no pem_key_file"); len(lines) != 1 {
		t.Fatalf("unexpected log; got %q; want one line naming the missing key", lines)
	}
	expect(t, dial(t, n), "+PONG\r\n", "PING")
}
