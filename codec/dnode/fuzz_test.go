package dnode_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/dynomite-go/dynomite/codec/dnode"
)

// FuzzDnodeFrame checks, for any input: Parse never panics; skipped and n
// stay inside the input; an accepted header encodes and parses back to the
// same fields; the encoding is stable; and every shorter prefix of the
// input is reported incomplete (or fails the same way), with no more
// skipped bytes, so reading in pieces gives the same frames as reading at
// once. Run: go test -run '^$' -fuzz FuzzDnodeFrame -fuzztime 30s ./codec/dnode/
func FuzzDnodeFrame(f *testing.F) {
	for _, g := range goldenFrames {
		b, err := os.ReadFile(filepath.Join("testdata", g.file))
		if err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"", "$2014$", "   $2014$ 1", "xx$2014$ 1 3 X   $2014$ 2 5 0 1 1 *1 d *0\r\n",
		"   $2014$ 18446744073709551616 5 0 1 1 *1 d *0\r\n", "   $2014$ 1 3 1 1 1 *4097 ",
		"   $2014$ 1 3 0 1 1 *0  *0\r\n", "$201$2014$ 0 0 0 0 0 *0  *0\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p := dnode.Parser{Limits: dnode.Limits{MaxData: 256, MaxPayload: 1 << 20}}
		var h dnode.Header
		skipped, n, err := p.Parse(in, &h)
		if skipped < 0 || n < 0 || skipped+n > len(in) || (err == nil && n == 0) || (err != nil && n != 0) {
			t.Fatalf("out of range: skipped %d, n %d, err %v, len %d", skipped, n, err, len(in))
		}
		checkPrefixes(t, &p, in, skipped, n, err)
		if err != nil {
			return
		}
		enc := dnode.AppendHeader(nil, h)
		var h2 dnode.Header
		s2, n2, err2 := p.Parse(enc, &h2)
		if err2 != nil || s2 != 0 || n2 != len(enc) || !equalHeader(h, h2) {
			t.Fatalf("round trip: %q -> %+v -> %q -> %d, %d, %v, %+v", in[skipped:skipped+n], h, enc, s2, n2, err2, h2)
		}
		if enc2 := dnode.AppendHeader(nil, h2); !bytes.Equal(enc, enc2) {
			t.Fatalf("unstable encoding: %q then %q", enc, enc2)
		}
	})
}

// checkPrefixes parses prefixes of in that end before the parsed header
// does; each must be incomplete with skipped <= the full parse's, or, if
// the full parse failed on a limit, the same limit error.
func checkPrefixes(t *testing.T, p *dnode.Parser, in []byte, skipped, n int, err error) {
	t.Helper()
	end := skipped + n
	if err != nil {
		end = len(in)
	}
	step := 1
	if end > 512 {
		step = end / 64
	}
	var h dnode.Header
	for k := 0; k < end; k += step {
		s, pn, perr := p.Parse(in[:k], &h)
		switch {
		case errors.Is(perr, dnode.ErrIncomplete):
			if s > skipped {
				t.Fatalf("prefix %d skipped %d > %d of the whole input", k, s, skipped)
			}
		case err != nil && errors.Is(perr, err) && s == skipped:
		default:
			t.Fatalf("prefix %d of %q: got %d, %d, %v; whole input gave %d, %d, %v", k, in, s, pn, perr, skipped, n, err)
		}
	}
}
