package dnode_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/codec/dnode"
)

// katKey is the fixed key of the known-answer vectors: its first 16 bytes
// (00..0f) are the AES key and IV; the rest is never used by AES.
var katKey = func() dnode.SessionKey {
	var k dnode.SessionKey
	for i := range k {
		k[i] = byte(i)
	}
	return k
}()

// katPlain is a SET request (31 bytes).
const katPlain = "*3\r\n$3\r\nset\r\n$3\r\nfoo\r\n$3\r\nbar\r\n"

// Known answers computed with the OpenSSL command line, an independent
// implementation of the same cipher (OpenSSL 3.0; K=000102030405060708090a0b0c0d0e0f):
//
//	printf '<plain>' | openssl enc -aes-128-cbc -K $K -iv $K | xxd -p
//
// For chunk 16 the plaintext was cut into its first 16 bytes and the other
// 15, each encrypted by its own command, and the outputs concatenated.
var katVectors = []struct {
	name   string
	plain  string
	chunk  int
	cipher string
}{
	{"one chunk", katPlain, 16384, "5287bda351d3d98a7dd6e3eca8bd1f593da2b1605489328eb029e06552f59732"},
	{"chunks of 16", katPlain, 16, "5287bda351d3d98a7dd6e3eca8bd1f5974181a66da0e8661adb5ff29a7c7b98d" + "a703d92504c6a4e6ed1f65d923a8f5bc"},
	{"empty", "", 512, "07feef74e1d5036e900eee118e949293"},
}

func TestCipherKnownAnswers(t *testing.T) {
	c, err := dnode.NewCipher(katKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range katVectors {
		t.Run(v.name, func(t *testing.T) {
			want, _ := hex.DecodeString(v.cipher)
			got, err := c.EncryptAppend(nil, []byte(v.plain), v.chunk)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("unexpected ciphertext; got %x, %v; want %x", got, err, want)
			}
			if n := dnode.CipherLen(len(v.plain), v.chunk); n != len(want) {
				t.Fatalf("unexpected CipherLen; got %d; want %d", n, len(want))
			}
			plain, err := c.DecryptAppend([]byte("pre"), want, v.chunk)
			if err != nil || string(plain) != "pre"+v.plain {
				t.Fatalf("unexpected plaintext; got %q, %v; want %q", plain, err, "pre"+v.plain)
			}
		})
	}
}

// Multi-chunk known answers, cut as C Dynomite cuts a message
// (MbufChunk(mbuf_size) plaintext bytes per chunk). The plaintext is n
// bytes, byte i = i mod 251. Computed with the OpenSSL command line, each
// chunk by its own command (K as above), outputs concatenated:
//
//	dd if=plain bs=1 skip=$off count=$chunk | openssl enc -aes-128-cbc -K $K -iv $K
//
// then `sha256sum` of the whole ciphertext.
var katMbufVectors = []struct {
	mbufSize, n, cipherLen int
	sha256                 string
}{
	{16384, 20000, 20032, "f59a3b709600bd9184191bef781c1b1c53cd3dd0252e5ddb693c03016ad7f48d"},
	// Two full chunks, each a multiple of 16: a whole block of padding each.
	{16384, 32640, 32672, "108a111d582731397d2ffd3187e3e8866be4d138bd4f494fe44568d8d9c30c02"},
	{16384, 100000, 100112, "25d646b950cc6d2804e448e8be31366dd33e91303834930631da7237098bc1f2"},
	{512, 1000, 1040, "60efd44f083adebfb19e9a6f8141f4abe7671cbbb6098812e3110446b88d5e9b"},
	{512, 896, 928, "2e2b4e6be3d5accbbd2ce63f2d2bd7a28e21dd04e9ac3d7b1e0dafcc5d4a71f0"},
}

func TestCipherMbufKnownAnswers(t *testing.T) {
	if got := dnode.MbufChunk(16384); got != 16320 {
		t.Fatalf("unexpected MbufChunk(16384); got %d; want 16320", got)
	}
	c, _ := dnode.NewCipher(katKey)
	for _, v := range katMbufVectors {
		chunk := dnode.MbufChunk(v.mbufSize)
		// One full chunk encrypts to the whole mbuf: mbuf_size - 48.
		if n := dnode.CipherLen(chunk, chunk); n != v.mbufSize-48 {
			t.Fatalf("mbuf_size %d: unexpected ciphertext of one chunk; got %d; want %d", v.mbufSize, n, v.mbufSize-48)
		}
		plain := make([]byte, v.n)
		for i := range plain {
			plain[i] = byte(i % 251)
		}
		ct, err := c.EncryptAppend(nil, plain, chunk)
		sum := sha256.Sum256(ct)
		if err != nil || len(ct) != v.cipherLen || hex.EncodeToString(sum[:]) != v.sha256 {
			t.Fatalf("mbuf_size %d, n %d: unexpected ciphertext; got %d bytes sha256 %x, %v; want %d bytes sha256 %s",
				v.mbufSize, v.n, len(ct), sum, err, v.cipherLen, v.sha256)
		}
		if n := dnode.CipherLen(v.n, chunk); n != v.cipherLen {
			t.Fatalf("mbuf_size %d, n %d: unexpected CipherLen; got %d; want %d", v.mbufSize, v.n, n, v.cipherLen)
		}
		back, err := c.DecryptAppend(nil, ct, chunk)
		if err != nil || !bytes.Equal(back, plain) {
			t.Fatalf("mbuf_size %d, n %d: decryption failed: %v", v.mbufSize, v.n, err)
		}
		// The cut of mbuf_size itself (the old, wrong one) is refused.
		if _, err := c.DecryptAppend(nil, ct, v.mbufSize); err == nil {
			t.Fatalf("mbuf_size %d, n %d: ciphertext decrypted with chunk mbuf_size", v.mbufSize, v.n)
		}
	}
}

func TestCipherRoundTrip(t *testing.T) {
	k, err := dnode.NewSessionKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := dnode.NewCipher(k)
	for _, chunk := range []int{16, 17, 512, 16384 - 64} {
		for _, n := range []int{0, 1, 15, 16, 17, 511, 512, 513, 1024, 40000} {
			p := make([]byte, n)
			_, _ = rand.Read(p)
			ct, err := c.EncryptAppend(nil, p, chunk)
			if err != nil || len(ct) != dnode.CipherLen(n, chunk) || len(ct)%16 != 0 {
				t.Fatalf("chunk %d, n %d: unexpected ciphertext length %d (err %v); want %d", chunk, n, len(ct), err, dnode.CipherLen(n, chunk))
			}
			back, err := c.DecryptAppend(nil, ct, chunk)
			if err != nil || !bytes.Equal(back, p) {
				t.Fatalf("chunk %d, n %d: round trip failed: %v", chunk, n, err)
			}
		}
	}
}

func TestCipherErrors(t *testing.T) {
	c, _ := dnode.NewCipher(katKey)
	ct, _ := hex.DecodeString(katVectors[0].cipher)
	other := katKey
	other[0] = 0xff
	wrong, _ := dnode.NewCipher(other)
	f := func(name string, c *dnode.Cipher, src []byte, chunk int, want error) {
		t.Helper()
		dst := []byte("keep")
		got, err := c.DecryptAppend(dst, src, chunk)
		if !errors.Is(err, want) {
			t.Fatalf("%s: unexpected error; got %v; want %v", name, err, want)
		}
		if string(got) != "keep" {
			t.Fatalf("%s: dst changed on error; got %q", name, got)
		}
	}
	f("wrong key", wrong, ct, 16384, dnode.ErrBadPadding)
	f("garbage", c, bytes.Repeat([]byte{0x5a}, 32), 16384, dnode.ErrBadPadding)
	f("truncated block", c, ct[:31], 16384, dnode.ErrTruncated)
	f("empty", c, nil, 16384, dnode.ErrTruncated)
	f("zero chunk", c, ct, 0, dnode.ErrChunkSize)
	// The padding block of a one-chunk ciphertext decrypted with a
	// smaller chunk size: the first chunk ends in data, not padding.
	f("wrong chunk size", c, ct, 15, dnode.ErrBadPadding)
	// One chunk of 31 bytes read as chunks of 16: the same 32 bytes of
	// ciphertext, but 31 bytes of plaintext is more than a chunk.
	f("chunk too long", c, ct, 16, dnode.ErrChunkMismatch)
	// A changed last byte breaks the padding.
	bad := bytes.Clone(ct)
	bad[len(bad)-1] ^= 1
	f("changed byte", c, bad, 16384, dnode.ErrBadPadding)
	// dst whose spare room is src.
	buf := make([]byte, 0, 64)
	buf = append(buf, ct...)
	if _, err := c.DecryptAppend(buf[:0], buf, 16384); !errors.Is(err, dnode.ErrOverlap) {
		t.Fatalf("unexpected error for overlapping buffers; got %v; want %v", err, dnode.ErrOverlap)
	}
	if _, err := c.EncryptAppend(nil, []byte("x"), -1); !errors.Is(err, dnode.ErrChunkSize) {
		t.Fatalf("unexpected error for chunk -1; got %v", err)
	}
}

func TestNewSessionKeyNoZero(t *testing.T) {
	// A source of zeros except for a few bytes: every zero is replaced.
	src := bytes.NewReader(append(make([]byte, 32), bytes.Repeat([]byte{0, 7}, 40)...))
	k, err := dnode.NewSessionKey(src)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.IndexByte(k[:], 0) >= 0 {
		t.Fatalf("unexpected zero byte in session key %x", k)
	}
	if _, err := dnode.NewSessionKey(bytes.NewReader(make([]byte, 4096))); err == nil {
		t.Fatal("unexpected success with an all-zero source")
	}
	if _, err := dnode.NewSessionKey(bytes.NewReader(nil)); err == nil {
		t.Fatal("unexpected success with an empty source")
	}
}

func loadTestKey(t testing.TB) *dnode.RSAKey {
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

// The blob in testdata was made by OpenSSL with the key C Dynomite ships
// (conf/dynomite.pem) and OpenSSL's default OAEP (SHA-1, MGF1-SHA-1), as C
// Dynomite's RSA_public_encrypt(..., RSA_PKCS1_OAEP_PADDING) does:
//
//	printf '0123456789abcdefghijklmnopqrstuv' > sk
//	openssl pkeyutl -encrypt -inkey dynomite.pem -pkeyopt rsa_padding_mode:oaep -in sk | xxd -p
func TestUnwrapOpenSSLBlob(t *testing.T) {
	k := loadTestKey(t)
	if k.Size() != 128 {
		t.Fatalf("unexpected key size; got %d; want 128", k.Size())
	}
	h, err := os.ReadFile(filepath.Join("testdata", "session_key.oaep.hex"))
	if err != nil {
		t.Fatal(err)
	}
	blob, err := hex.DecodeString(strings.TrimSpace(string(h)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Unwrap(blob)
	if err != nil || string(s[:]) != "0123456789abcdefghijklmnopqrstuv" {
		t.Fatalf("unexpected session key; got %q, %v", s[:], err)
	}
	// Errors: wrong size, garbage, a blob of another key's size.
	if _, err := k.Unwrap(blob[:127]); !errors.Is(err, dnode.ErrKeyBlobSize) {
		t.Fatalf("unexpected error for 127 bytes; got %v", err)
	}
	if _, err := k.Unwrap(append(bytes.Clone(blob), 0)); !errors.Is(err, dnode.ErrKeyBlobSize) {
		t.Fatalf("unexpected error for 129 bytes; got %v", err)
	}
	bad := bytes.Clone(blob)
	bad[5] ^= 0x40
	if _, err := k.Unwrap(bad); !errors.Is(err, dnode.ErrKeyBlob) {
		t.Fatalf("unexpected error for a changed blob; got %v", err)
	}
}

func TestWrapRoundTrip(t *testing.T) {
	k := loadTestKey(t)
	s, _ := dnode.NewSessionKey(rand.Reader)
	blob, err := k.WrapAppend([]byte("x"), s, rand.Reader)
	if err != nil || len(blob) != 1+k.Size() {
		t.Fatalf("unexpected blob length %d (err %v)", len(blob), err)
	}
	got, err := k.Unwrap(blob[1:])
	if err != nil || got != s {
		t.Fatalf("unexpected unwrapped key; got %x, %v; want %x", got, err, s)
	}
	// The blob in a secured header: data_len is the RSA size, the flag
	// is set, and the header parses back.
	h := dnode.Secured(9, dnode.TypeReq, true, blob[1:], uint32(dnode.CipherLen(31, 16384)))
	wire := dnode.AppendHeader(nil, h)
	if !bytes.HasPrefix(wire, []byte("   $2014$ 9 3 1 1 1 *128 ")) || !bytes.HasSuffix(wire, []byte(" *32\r\n")) {
		t.Fatalf("unexpected secured header %q", wire)
	}
	var p dnode.Parser
	var back dnode.Header
	if _, _, err := p.Parse(wire, &back); err != nil || !back.CarriesKey() || !bytes.Equal(back.Data, blob[1:]) {
		t.Fatalf("unexpected parse of a secured header: %v, %+v", err, back)
	}
	later := dnode.AppendHeader(nil, dnode.Secured(10, dnode.TypeRes, false, nil, 48))
	if string(later) != "   $2014$ 10 5 1 1 0 *1 d *48\r\n" {
		t.Fatalf("unexpected later secured header %q", later)
	}
}

func TestParseRSAKeyErrors(t *testing.T) {
	if _, err := dnode.ParseRSAKey([]byte("not a pem")); !errors.Is(err, dnode.ErrPEM) {
		t.Fatalf("unexpected error; got %v; want %v", err, dnode.ErrPEM)
	}
	bad := []byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")
	if _, err := dnode.ParseRSAKey(bad); err == nil {
		t.Fatal("unexpected success for a broken key")
	}
}
