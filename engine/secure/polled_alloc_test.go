//go:build !race

package secure_test

import (
	"testing"
	"time"
)

// The request path of a handshaken connection: one request's record
// decrypted, one reply sealed into a reused buffer. Polled itself
// allocates nothing; crypto/tls allocates one small reader each time it
// reads a record header (crypto/tls.(*Conn).readFromUntil), so one
// allocation per request record is the floor, and the record layer is
// never asked for a record that is not complete (no allocation for a
// read that would find nothing).
func TestPolledAllocs(t *testing.T) {
	pp := newPolledPair(t)
	tc := pp.handshakeBoth(t)
	req := []byte("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n")
	// Records of many requests, made by the client beforehand.
	const runs = 200
	go func() {
		for i := 0; i < runs+10; i++ {
			_, _ = tc.Write(req)
		}
	}()
	var wire []byte
	deadline := time.Now().Add(5 * time.Second)
	for len(wire) < (runs+10)*(len(req)+22) && time.Now().Before(deadline) {
		wire = append(wire, pp.readSome(t, 100*time.Millisecond)...)
	}
	rec := len(wire) / (runs + 10)
	if rec*(runs+10) != len(wire) {
		t.Fatalf("records of uneven size: %d bytes for %d", len(wire), runs+10)
	}
	plain := make([]byte, 16<<10)
	n := 0
	sink := func(b []byte) { n += len(b) }
	out := make([]byte, 0, 4096)
	reply := []byte("$5\r\nvalue\r\n")
	i := 0
	step := func() {
		if err := pp.p.Decrypt(wire[i*rec:(i+1)*rec], plain, sink); err != nil {
			t.Fatal(err)
		}
		i++
		var err error
		if out, err = pp.p.Seal(out[:0], reply); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		step() // warm up
	}
	allocs := testing.AllocsPerRun(runs-10, step)
	if allocs > 1 {
		t.Fatalf("unexpected allocations per request: %v; want at most crypto/tls's one", allocs)
	}
	if n != i*len(req) {
		t.Fatalf("unexpected plaintext: %d bytes; want %d", n, i*len(req))
	}
}
