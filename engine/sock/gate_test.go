package sock

import (
	"syscall"
	"testing"
)

// Shutdown ends the stream the peer reads, and does nothing once the gate
// is marked gone.
func TestGate(t *testing.T) {
	a, b := pair(t)
	var g Gate
	g.MarkGone()
	g.Shutdown(a)
	if n, err := WriteSome(a, []byte("x")); n != 1 || err != nil {
		t.Fatalf("the socket was shut down through a gone gate; write got %d, %v", n, err)
	}
	drain(t, b, 1)

	c, d := pair(t)
	var open Gate
	open.Shutdown(c)
	buf := make([]byte, 1)
	if n, err := syscall.Read(d, buf); n != 0 || err != nil {
		t.Fatalf("unexpected read after shutdown; got %d, %v; want end of stream", n, err)
	}
}
