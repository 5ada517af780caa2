//go:build linux

package sock

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// tcpPair returns a loopback TCP connection: the dialling end as a file
// and its non-blocking descriptor (the caller closes the file), the
// accepted end as a net.Conn.
func tcpPair(t *testing.T) (*os.File, int, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f, err := c.(*net.TCPConn).File()
	c.Close() // f holds the socket alone
	if err != nil {
		t.Fatal(err)
	}
	fd := int(f.Fd()) // Fd makes it blocking: once, before SetNonblock
	if err := syscall.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	return f, fd, s
}

// readAll reads r until an error or 10 s, and returns the count and the
// error (io.EOF at a clean end).
func readAll(r net.Conn) (int, error) {
	_ = r.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64<<10)
	total := 0
	for {
		n, err := r.Read(buf)
		total += n
		if err != nil {
			return total, err
		}
	}
}

// Abort drops what the kernel still holds for the far end: the reader
// gets a reset and less than was written. Shutdown delivers it all, then
// the end of stream.
func TestGateAbort(t *testing.T) {
	for _, abort := range []bool{true, false} {
		f, fd, r := tcpPair(t)
		written := fill(t, fd)
		var g Gate
		if abort {
			g.Abort(fd)
		} else {
			g.Shutdown(fd)
		}
		f.Close()
		got, err := readAll(r)
		if abort {
			if got >= written || !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("after Abort the reader got %d of %d bytes, then %v; want fewer bytes and a reset", got, written, err)
			}
			continue
		}
		if got != written || err != io.EOF {
			t.Fatalf("after Shutdown the reader got %d of %d bytes, then %v; want all of them and the end of stream", got, written, err)
		}
	}
}
