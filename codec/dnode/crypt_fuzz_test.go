package dnode_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/dynomite-go/dynomite/codec/dnode"
)

// FuzzDecrypt checks, for any ciphertext and chunk size: DecryptAppend
// never panics, adds at most len(src) bytes, leaves dst's bytes alone,
// and what it accepts encrypts back to the same ciphertext.
// Run: go test -run '^$' -fuzz FuzzDecrypt -fuzztime 30s ./codec/dnode/
func FuzzDecrypt(f *testing.F) {
	for _, v := range katVectors {
		ct, _ := hex.DecodeString(v.cipher)
		f.Add(ct, uint16(v.chunk))
	}
	f.Add([]byte{}, uint16(16))
	f.Add(bytes.Repeat([]byte{1}, 33), uint16(1))
	c, _ := dnode.NewCipher(katKey)
	f.Fuzz(func(t *testing.T, src []byte, chunk16 uint16) {
		chunk := int(chunk16)
		dst := []byte("head")
		got, err := c.DecryptAppend(dst, src, chunk)
		if string(got[:4]) != "head" {
			t.Fatalf("dst prefix changed: %q", got)
		}
		if err != nil {
			if len(got) != 4 {
				t.Fatalf("dst grew on error %v", err)
			}
			return
		}
		if len(got)-4 > len(src) {
			t.Fatalf("plaintext longer than ciphertext: %d > %d", len(got)-4, len(src))
		}
		again, err := c.EncryptAppend(nil, got[4:], chunk)
		if err != nil || !bytes.Equal(again, src) {
			t.Fatalf("accepted ciphertext does not encrypt back: %x vs %x (%v)", again, src, err)
		}
	})
}

// FuzzUnwrap checks that any key blob gives a session key or an error,
// never a panic. Run: go test -run '^$' -fuzz FuzzUnwrap -fuzztime 30s ./codec/dnode/
func FuzzUnwrap(f *testing.F) {
	k := loadTestKey(f)
	f.Add(make([]byte, 128))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, blob []byte) {
		_, err := k.Unwrap(blob)
		if err == nil && len(blob) != k.Size() {
			t.Fatalf("accepted a blob of %d bytes", len(blob))
		}
	})
}
