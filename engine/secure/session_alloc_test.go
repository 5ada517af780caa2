//go:build !race

package secure_test

import (
	"testing"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/engine/secure"
)

// The encrypted path allocates nothing per frame in steady state: Seal
// into a buffer with room, Open into the session's kept buffer.
func TestSessionAllocs(t *testing.T) {
	key := peerKey(t)
	out, _ := secure.NewOutgoing(key, 16384)
	req := []byte("*3\r\n$3\r\nSET\r\n$8\r\nkey:0001\r\n$32\r\n01234567890123456789012345678901\r\n")
	first := out.Seal(nil, dnode.Plain(1, dnode.TypeReq, true, 0), req)
	h, rest := parse(t, first)
	in, _ := secure.NewIncoming(key, &h, 16384)
	c, _ := secure.Payload(&h, rest)
	buf := make([]byte, 0, 4096)
	var hdr dnode.Header
	var p dnode.Parser
	allocs := testing.AllocsPerRun(200, func() {
		buf = out.Seal(buf[:0], dnode.Plain(2, dnode.TypeReq, true, 0), req)
		skipped, n, err := p.Parse(buf, &hdr)
		if err != nil {
			t.Fatal(err)
		}
		in.ResetInput()
		c, _ = secure.Payload(&hdr, buf[skipped+n:])
		if _, err := in.Open(c); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("unexpected allocations per sealed and opened frame; got %v; want 0", allocs)
	}
}
