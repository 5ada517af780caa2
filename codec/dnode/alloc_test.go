//go:build !race

package dnode_test

import (
	"testing"

	"github.com/dynomite-go/dynomite/codec/dnode"
)

// Parsing a header (also after garbage) and encoding one into a buffer
// with capacity allocate nothing.
func TestAllocs(t *testing.T) {
	in := []byte("garbage   $2014$ 1 3 X" + getHeader + getPayload)
	var p dnode.Parser
	var h dnode.Header
	dst := make([]byte, 0, 256)
	n := testing.AllocsPerRun(200, func() {
		_, _, err := p.Parse(in, &h)
		if err != nil {
			t.Fatal(err)
		}
		dst = dnode.AppendHeader(dst[:0], h)
		dst = dnode.AppendHeader(dst, dnode.Plain(1<<63, dnode.TypeRes, false, 1<<31))
	})
	if n != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", n)
	}
	n = testing.AllocsPerRun(200, func() { _, _, _ = p.Parse(in[:20], &h) }) // incomplete
	if n != 0 {
		t.Fatalf("unexpected allocations for an incomplete header; got %v; want 0", n)
	}
}
