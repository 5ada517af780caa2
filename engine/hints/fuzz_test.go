package hints

import (
	"bytes"
	"testing"
)

func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, opAdd, "node1", []byte("key")))
	f.Add(appendRecord(nil, opDone, "n", nil))
	f.Add(appendRecord(appendRecord(nil, opDrop, "n", []byte("k")), opAdd, "m", []byte("v")))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		for off := 0; off < len(b); {
			r, n, err := decodeRecord(b[off:])
			if err != nil {
				if err != ErrIncomplete && err != ErrCorrupt {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if n <= 0 || n > len(b)-off {
				t.Fatalf("unexpected length %d of %d bytes", n, len(b)-off)
			}
			again := appendRecord(nil, r.op, string(r.target), r.key)
			if !bytes.Equal(again, b[off:off+n]) {
				t.Fatalf("unexpected re-encoding; got %q; want %q", again, b[off:off+n])
			}
			for cut := 0; cut < n; cut++ {
				if _, _, err := decodeRecord(b[off : off+cut]); err == nil {
					t.Fatalf("unexpected success on a record cut at %d of %d", cut, n)
				}
			}
			off += n
		}
	})
}
