package sock

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pair returns a connected pair of non-blocking stream sockets, closed at
// the end of the test.
func pair(t *testing.T) (a, b int) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if err := syscall.SetNonblock(fd, true); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Close(fd) })
	}
	return fds[0], fds[1]
}

// fill writes to fd until the socket takes no more, and returns how much
// it took.
func fill(t *testing.T, fd int) int {
	t.Helper()
	chunk := make([]byte, 64<<10)
	total := 0
	for {
		n, err := WriteSome(fd, chunk)
		if err != nil {
			t.Fatalf("unexpected error filling the socket: %v", err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

// drain reads fd until it has n bytes, and returns them.
func drain(t *testing.T, fd, n int) []byte {
	t.Helper()
	out, err := readN(fd, n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readN reads the non-blocking fd until it has n bytes, for at most 5 s.
func readN(fd, n int) ([]byte, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, 64<<10)
	end := time.Now().Add(5 * time.Second)
	for len(out) < n {
		k, err := syscall.Read(fd, buf)
		if err == syscall.EAGAIN {
			if time.Now().After(end) {
				return out, fmt.Errorf("unexpected short read; got %d bytes; want %d", len(out), n)
			}
			time.Sleep(time.Millisecond)
			continue
		}
		if err != nil || k == 0 {
			return out, fmt.Errorf("unexpected end of stream after %d bytes: %v", len(out), err)
		}
		out = append(out, buf[:k]...)
	}
	return out, nil
}

// WriteSome hands bytes to the socket until it is full, then reports 0
// bytes taken and no error; a closed peer is an error.
func TestWriteSome(t *testing.T) {
	a, b := pair(t)
	if n, err := WriteSome(a, []byte("ping")); n != 4 || err != nil {
		t.Fatalf("unexpected write; got %d, %v; want 4, nil", n, err)
	}
	if got := drain(t, b, 4); string(got) != "ping" {
		t.Fatalf("unexpected bytes; got %q; want %q", got, "ping")
	}
	if fill(t, a) == 0 {
		t.Fatal("an empty socket took nothing")
	}
	if n, err := WriteSome(a, []byte("x")); n != 0 || err != nil {
		t.Fatalf("unexpected write to a full socket; got %d, %v; want 0, nil", n, err)
	}
	syscall.Close(b)
	if _, err := WriteSome(a, []byte("x")); err == nil {
		t.Fatal("a write to a closed peer succeeded")
	}
}

// WriteAll waits for a full socket while the peer reads, delivers every
// byte in order, and fails with ETIMEDOUT when the socket stays full for
// the wait.
func TestWriteAll(t *testing.T) {
	a, b := pair(t)
	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // more than a socket buffer
	got, readErr := make(chan []byte, 1), make(chan error, 1)
	go func() {
		read, err := readN(b, len(want))
		got <- read
		readErr <- err
	}()
	if err := WriteAll(a, want, time.Second); err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	g := <-got
	if err := <-readErr; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g, want) {
		t.Fatalf("unexpected bytes: got %d, want %d, equal prefix %d", len(g), len(want), commonPrefix(g, want))
	}

	fill(t, a)
	start := time.Now()
	err := WriteAll(a, []byte("x"), 20*time.Millisecond)
	if !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("unexpected error for a socket that stays full; got %v; want ETIMEDOUT", err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("gave up after %v; want at least the 20ms wait", d)
	}
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// A duplicate keeps the socket open after the original is closed, is
// close-on-exec, and writes reach the peer; closing it ends the stream.
func TestDup(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, b := fds[0], os.NewFile(uintptr(fds[1]), "peer")
	defer b.Close()
	d, err := Dup(a)
	if err != nil {
		t.Fatal(err)
	}
	if flags, err := unix.FcntlInt(uintptr(d), unix.F_GETFD, 0); err != nil || flags&syscall.FD_CLOEXEC == 0 {
		t.Fatalf("the duplicate is not close-on-exec: flags %#x, %v", flags, err)
	}
	syscall.Close(a)
	if err := WriteAll(d, []byte("reply"), time.Second); err != nil {
		t.Fatalf("cannot write to the duplicate: %v", err)
	}
	if err := Close(d); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(b); err != nil || string(got) != "reply" {
		t.Fatalf("unexpected stream; got %q, %v; want %q", got, err, "reply")
	}
}
