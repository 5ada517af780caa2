//go:build !race

package engine

import (
	"bytes"
	"syscall"
	"testing"
)

// TestAllocsRESP3PipelinedHGETALL pins the forward path of a client that
// said HELLO 3 to zero allocations: 16 pipelined HGETALLs go to the
// datastore, and their RESP2 arrays reach the client as RESP3 maps.
func TestAllocsRESP3PipelinedHGETALL(t *testing.T) {
	const depth = 16
	_, c, cfar, s, sfar := rigConns(t, Options{Config: testConfig("127.0.0.1:1")})
	c.OnInput([]byte("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"))
	hello := make([]byte, 4096)
	if k, err := syscall.Read(cfar, hello); err != nil || k == 0 || hello[0] != '%' {
		t.Fatalf("HELLO 3: got %q %v; want a map", hello[:max(k, 0)], err)
	}
	req := bytes.Repeat([]byte("*2\r\n$7\r\nHGETALL\r\n$1\r\nh\r\n"), depth)
	reply := bytes.Repeat([]byte("*2\r\n$1\r\nf\r\n$1\r\nv\r\n"), depth)
	want := bytes.Repeat([]byte("%1\r\n$1\r\nf\r\n$1\r\nv\r\n"), depth)
	sbuf := make([]byte, 2*len(req))
	cbuf := make([]byte, 2*len(want))
	round := func() {
		c.OnInput(req)
		if got := drain(t, sfar, sbuf, len(req)); !bytes.Equal(got, req) {
			t.Fatalf("unexpected bytes to the datastore; got %q; want %q", got, req)
		}
		s.OnServerInput(reply)
		if got := drain(t, cfar, cbuf, len(want)); !bytes.Equal(got, want) {
			t.Fatalf("unexpected bytes to the client; got %q; want %q", got, want)
		}
	}
	round()
	if allocs := testing.AllocsPerRun(1000, round); allocs != 0 {
		t.Fatalf("unexpected allocations per forward of %d pipelined HGETALLs to a RESP3 client; got %v; want 0", depth, allocs)
	}
}
