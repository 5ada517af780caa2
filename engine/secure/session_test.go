package secure_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/engine/secure"
)

func peerKey(t testing.TB) *dnode.RSAKey {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "dynomite.pem"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := dnode.ParseRSAKey(data)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// parse reads one frame header from b and returns it with the rest.
func parse(t *testing.T, b []byte) (dnode.Header, []byte) {
	t.Helper()
	var p dnode.Parser
	var h dnode.Header
	skipped, n, err := p.Parse(b, &h)
	if err != nil {
		t.Fatalf("cannot parse the frame header: %v", err)
	}
	return h, b[skipped+n:]
}

func TestSessionRoundTrip(t *testing.T) {
	key := peerKey(t)
	const chunk = 64
	out, err := secure.NewOutgoing(key, chunk)
	if err != nil {
		t.Fatal(err)
	}
	req := []byte("*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$100\r\n" + string(bytes.Repeat([]byte("v"), 100)) + "\r\n")
	var wire []byte
	wire = out.Seal(wire, dnode.Plain(7, dnode.TypeReq, true, 0), req)
	wire = out.Seal(wire, dnode.Plain(8, dnode.TypeReq, true, 0), []byte("*1\r\n$4\r\nPING\r\n"))
	if bytes.Contains(wire, []byte("foo")) || bytes.Contains(wire, []byte("PING")) {
		t.Fatalf("unexpected plaintext on the wire: %q", wire)
	}

	h, rest := parse(t, wire)
	if !h.Encrypted() || !h.CarriesKey() || len(h.Data) != key.Size() || h.MsgID != 7 {
		t.Fatalf("unexpected first header; got %+v; want flagged, with a %d-byte key blob", h, key.Size())
	}
	in, err := secure.NewIncoming(key, &h, chunk)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := secure.Payload(&h, rest)
	if !ok || len(c) != dnode.CipherLen(len(req), chunk) {
		t.Fatalf("unexpected payload; got %d bytes, %v; want %d", len(c), ok, dnode.CipherLen(len(req), chunk))
	}
	if _, ok := secure.Payload(&h, rest[:len(c)-1]); ok {
		t.Fatalf("unexpected complete payload one byte short")
	}
	got, err := in.Open(c)
	if err != nil || !bytes.Equal(got, req) {
		t.Fatalf("unexpected plaintext; got %q, %v; want %q", got, err, req)
	}
	h2, rest2 := parse(t, rest[len(c):])
	if !h2.Encrypted() || h2.CarriesKey() || string(h2.Data) != "d" {
		t.Fatalf("unexpected second header; got %+v; want flagged with data d", h2)
	}
	c2, _ := secure.Payload(&h2, rest2)
	if got, err := in.Open(c2); err != nil || string(got) != "*1\r\n$4\r\nPING\r\n" {
		t.Fatalf("unexpected second plaintext; got %q, %v", got, err)
	}

	// The receiver's reply decrypts with the sender's session.
	reply := in.Seal(nil, dnode.Plain(7, dnode.TypeRes, true, 0), []byte("+OK\r\n"))
	rh, rrest := parse(t, reply)
	if !rh.Encrypted() || rh.CarriesKey() {
		t.Fatalf("unexpected reply header %+v", rh)
	}
	rc, _ := secure.Payload(&rh, rrest)
	out.ResetInput()
	if got, err := out.Open(rc); err != nil || string(got) != "+OK\r\n" {
		t.Fatalf("unexpected reply plaintext; got %q, %v", got, err)
	}
}

func TestSessionBadInput(t *testing.T) {
	key := peerKey(t)
	out, _ := secure.NewOutgoing(key, 64)
	wire := out.Seal(nil, dnode.Plain(1, dnode.TypeReq, false, 0), []byte("*1\r\n$4\r\nPING\r\n"))
	h, rest := parse(t, wire)
	c, _ := secure.Payload(&h, rest)

	if _, err := secure.NewIncoming(nil, &h, 64); !errors.Is(err, secure.ErrNoPeerKey) {
		t.Fatalf("unexpected error without a key; got %v; want ErrNoPeerKey", err)
	}
	noBlob := h
	noBlob.Data = []byte("d")
	if _, err := secure.NewIncoming(key, &noBlob, 64); !errors.Is(err, secure.ErrNoSessionKey) {
		t.Fatalf("unexpected error without a blob; got %v; want ErrNoSessionKey", err)
	}
	short := h
	short.Data = h.Data[:len(h.Data)-1]
	if _, err := secure.NewIncoming(key, &short, 64); !errors.Is(err, dnode.ErrKeyBlobSize) {
		t.Fatalf("unexpected error for a short blob; got %v; want ErrKeyBlobSize", err)
	}
	garbled := h
	garbled.Data = bytes.Repeat([]byte{0x41}, len(h.Data))
	if _, err := secure.NewIncoming(key, &garbled, 64); !errors.Is(err, dnode.ErrKeyBlob) {
		t.Fatalf("unexpected error for a garbled blob; got %v; want ErrKeyBlob", err)
	}
	// A wrong key: another connection's session.
	other, _ := secure.NewOutgoing(key, 64)
	ow := other.Seal(nil, dnode.Plain(1, dnode.TypeReq, false, 0), []byte("x"))
	oh, _ := parse(t, ow)
	wrong, err := secure.NewIncoming(key, &oh, 64)
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for i := 0; i < 8; i++ { // bad padding shows in all but ~1/256 of tries
		if _, err := wrong.Open(c); err != nil {
			bad++
		}
	}
	if bad == 0 {
		t.Fatalf("unexpected success decrypting with a wrong key")
	}
	in, _ := secure.NewIncoming(key, &h, 64)
	if _, err := in.Open(c[:len(c)-1]); !errors.Is(err, dnode.ErrTruncated) {
		t.Fatalf("unexpected error for a truncated payload; got %v; want ErrTruncated", err)
	}
}
