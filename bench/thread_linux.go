package bench

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
)

// A thread drives its clients as a memtier_benchmark thread does: one OS
// thread with its own epoll instance over its clients' non-blocking
// sockets. Every ready connection is read once, its complete replies are
// scanned, and its next requests are written before the thread waits
// again, so the clients of a thread whose replies arrive together send
// their next requests together, and one wake-up of the thread serves all
// of them (a goroutine per client would be woken once per reply).

// takeSocket moves the client's connection to a descriptor of its own, out
// of the Go runtime's poller: the net.Conn is closed once its socket has
// been duplicated (closing it removes the runtime's registration; the
// duplicate keeps the socket open and non-blocking).
func (c *client) takeSocket() error {
	sc, ok := c.conn.(syscallConn)
	if !ok {
		return errors.New("bench: connection without a socket")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var derr error
	err = raw.Control(func(s uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, s, syscall.F_DUPFD_CLOEXEC, 0)
		if e != 0 {
			derr = os.NewSyscallError("fcntl", e)
			return
		}
		c.fd = int(r)
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return err
	}
	_ = c.conn.Close()
	c.conn = nil
	return syscall.SetNonblock(c.fd, true)
}

type syscallConn interface {
	SyscallConn() (syscall.RawConn, error)
}

// closeSocket closes whichever of the client's connection and socket is open.
func (c *client) closeSocket() {
	if c.conn != nil {
		_ = c.conn.Close()
	}
	if c.fd >= 0 {
		_ = syscall.Close(c.fd)
		c.fd = -1
	}
}

// send writes b, keeping in wpend what a full socket does not take.
func (c *client) send(b []byte) error {
	if c.fd < 0 {
		_, err := c.conn.Write(b)
		return err
	}
	for len(b) > 0 {
		n, err := syscall.Write(c.fd, b)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			c.wpend = b
			return c.watch(syscall.EPOLLIN | syscall.EPOLLOUT)
		case err != nil:
			return err
		}
		b = b[n:]
	}
	return nil
}

// watch sets the events the loop waits for on the client's socket.
func (c *client) watch(events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(c.idx)}
	return syscall.EpollCtl(c.ep, syscall.EPOLL_CTL_MOD, c.fd, &ev)
}

// busy reports whether the client still has requests in flight or unsent.
func (c *client) busy() bool { return c.n > 0 || len(c.wpend) > 0 }

// readReady reads once from the ready socket and scans the replies.
func (c *client) readReady(now time.Time) error {
	if c.r == len(c.rbuf) {
		c.rbuf = append(c.rbuf, make([]byte, len(c.rbuf))...) // a reply larger than the buffer
	}
	m, err := syscall.Read(c.fd, c.rbuf[c.r:])
	switch {
	case err == syscall.EAGAIN || err == syscall.EINTR:
		return nil
	case err != nil:
		return fmt.Errorf("cannot read reply: %w", err)
	case m == 0:
		return errors.New("cannot read reply: connection closed by the server")
	}
	c.r += m
	used, err := c.consume(c.rbuf[:c.r], int64(now.Sub(c.start)))
	if err != nil {
		return err
	}
	c.r = copy(c.rbuf, c.rbuf[used:c.r])
	return nil
}

// writeReady writes what the socket did not take before.
func (c *client) writeReady() error {
	b := c.wpend
	c.wpend = nil
	if err := c.send(b); err != nil {
		return fmt.Errorf("cannot write request: %w", err)
	}
	if len(c.wpend) == 0 {
		return c.watch(syscall.EPOLLIN)
	}
	return nil
}

// runThread drives clients until none has anything in flight or unsent, or
// fails when a connection breaks or replies are still missing at hardStop.
func runThread(clients []*client, hardStop time.Time) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	defer syscall.Close(ep)
	active := 0
	now := time.Now()
	for i, c := range clients {
		c.ep, c.idx = ep, i
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(i)}
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
			return os.NewSyscallError("epoll_ctl", err)
		}
		if err := c.fill(now); err != nil {
			return fmt.Errorf("cannot write request: %w", err)
		}
		if c.busy() {
			active++
		} else {
			c.live.done.Store(true)
		}
	}
	events := make([]syscall.EpollEvent, len(clients))
	for active > 0 {
		wait := time.Until(hardStop)
		if wait <= 0 {
			return fmt.Errorf("cannot read reply: no reply within %v after the end of the run", grace)
		}
		n, err := syscall.EpollWait(ep, events, int(min(wait, 100*time.Millisecond)/time.Millisecond)+1)
		if err != nil && err != syscall.EINTR {
			return os.NewSyscallError("epoll_wait", err)
		}
		now = time.Now()
		for _, e := range events[:max(n, 0)] {
			c := clients[e.Fd]
			if !c.busy() {
				continue
			}
			if e.Events&syscall.EPOLLOUT != 0 && len(c.wpend) > 0 {
				if err := c.writeReady(); err != nil {
					return err
				}
			}
			if e.Events&(syscall.EPOLLIN|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 {
				if err := c.readReady(now); err != nil {
					return err
				}
			}
			if len(c.wpend) == 0 {
				if err := c.fill(now); err != nil {
					return fmt.Errorf("cannot write request: %w", err)
				}
			}
			if !c.busy() {
				active--
				c.live.done.Store(true)
				_ = syscall.EpollCtl(ep, syscall.EPOLL_CTL_DEL, c.fd, nil)
			}
		}
	}
	return nil
}
