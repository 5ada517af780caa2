//go:build !race

package dnode_test

import (
	"testing"

	"github.com/dynomite-go/dynomite/codec/dnode"
)

// Encrypting and decrypting with buffers that have the room allocate
// nothing: the secured peer path's steady state.
func TestCipherAllocs(t *testing.T) {
	c, _ := dnode.NewCipher(katKey)
	plain := make([]byte, 40000)
	ct := make([]byte, 0, dnode.CipherLen(len(plain), 16384))
	back := make([]byte, 0, cap(ct))
	n := testing.AllocsPerRun(100, func() {
		var err error
		ct, err = c.EncryptAppend(ct[:0], plain, 16384)
		if err != nil {
			t.Fatal(err)
		}
		back, err = c.DecryptAppend(back[:0], ct, 16384)
		if err != nil || len(back) != len(plain) {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", n)
	}
}
