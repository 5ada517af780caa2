package engine

import (
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// dialConnected connects over TCP and Unix sockets and reports a refused
// connection as an error.
func TestDialConnected(t *testing.T) {
	r := enginetest.Redis(t)
	nc, err := dialConnected("tcp", r.Addr, time.Second)
	if err != nil {
		t.Fatalf("cannot dial %s: %v", r.Addr, err)
	}
	nc.Close()

	sock := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	nc, err = dialConnected("unix", sock, time.Second)
	if err != nil {
		t.Fatalf("cannot dial %s: %v", sock, err)
	}
	nc.Close()
	ln.Close()

	if _, err := dialConnected("unix", sock, time.Second); err == nil {
		t.Fatal("a dial to a closed socket succeeded")
	}
}
