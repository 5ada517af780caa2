package bench

import (
	"bytes"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// A write the socket does not take whole is kept and finished when the
// socket is writable again, with nothing lost or reordered.
func TestThreadPartialWrite(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fds[1])
	cfg := DefaultConfig()
	var stop atomic.Bool
	c := newClient(&cfg, 0, 1, make([]byte, 32), new(live), &stop)
	c.fd = fds[0]
	defer c.closeSocket()
	if err := syscall.SetNonblock(c.fd, true); err != nil {
		t.Fatal(err)
	}
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(ep)
	c.ep = ep
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN}
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		t.Fatal(err)
	}

	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, more than a socket buffer
	if err := c.send(want); err != nil {
		t.Fatalf("cannot send: %v", err)
	}
	if len(c.wpend) == 0 {
		t.Fatal("a 1 MiB write to an unread socket was taken whole")
	}
	var got []byte
	buf := make([]byte, 64<<10)
	events := make([]syscall.EpollEvent, 1)
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < len(want) && time.Now().Before(deadline) {
		n, err := syscall.Read(fds[1], buf)
		if err != nil && err != syscall.EAGAIN {
			t.Fatal(err)
		}
		got = append(got, buf[:max(n, 0)]...)
		if len(c.wpend) > 0 {
			if n, _ := syscall.EpollWait(ep, events, 10); n == 1 && events[0].Events&syscall.EPOLLOUT != 0 {
				if err := c.writeReady(); err != nil {
					t.Fatalf("cannot finish the write: %v", err)
				}
			}
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("unexpected bytes on the other end: %d of %d, equal prefix %v", len(got), len(want), bytes.HasPrefix(want, got))
	}
	if len(c.wpend) != 0 {
		t.Fatalf("%d bytes left unsent", len(c.wpend))
	}
}
