package sock

import (
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// Dial connects over TCP and Unix sockets, the connection carries bytes,
// and a refused connection is an error.
func TestDial(t *testing.T) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	nc, err := Dial("tcp", tcp.Addr().String(), time.Second)
	if err != nil {
		t.Fatalf("cannot dial %s: %v", tcp.Addr(), err)
	}
	peer, err := tcp.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if _, err := nc.Writer().WriteString("ping"); err != nil {
		t.Fatal(err)
	}
	if err := nc.Writer().Flush(); err != nil {
		t.Fatal(err)
	}
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, 4)
	if _, err := io.ReadFull(peer, got); err != nil || string(got) != "ping" {
		t.Fatalf("unexpected bytes at the peer; got %q, %v; want %q", got, err, "ping")
	}
	nc.Close()

	path := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	nc, err = Dial("unix", path, time.Second)
	if err != nil {
		t.Fatalf("cannot dial %s: %v", path, err)
	}
	nc.Close()
	ln.Close()

	if _, err := Dial("unix", path, time.Second); err == nil {
		t.Fatal("a dial to a closed socket succeeded")
	}
}
