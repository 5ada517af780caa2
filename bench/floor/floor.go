// Package floor is the smallest Redis (or memcached) forwarder that does
// what a proxy must do on every request, and nothing else: read a client's
// requests, send them to the datastore on one shared connection, match the
// replies in order and write them back. It is one OS thread with one epoll instance, level-
// triggered, raw system calls and no timeouts, stats, routing or limits.
//
// It exists to be measured next to the node (`dynomite-bench matrix
// -floor`): the gap between the floor and Redis direct is what the kernel
// and a second process cost on the machine, the gap between the node and
// the floor is what the engine adds. It is not a proxy to deploy: a client
// that never reads its replies grows its buffer without bound.
package floor

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"
)

// fdState is one connection's buffers.
type fdState struct {
	fd     int
	closed bool
	in     []byte // unparsed input (a partial frame)
	out    []byte // output not yet taken by the socket
	off    int    // sent prefix of out
	// wantOut: EPOLLOUT is registered because out did not drain.
	wantOut bool
}

// Floor is one forwarder: a listener and one datastore connection.
type Floor struct {
	ep, ls, srv int
	conns       map[int]*fdState
	fifo        []*fdState // the client of each request sent, oldest first
	dirty       []*fdState // clients with replies to write after this batch
	stop        int        // eventfd that ends Serve
	buf         []byte
	// requestLen and replyLen frame the protocol (RESP or memcached text).
	requestLen, replyLen func([]byte) int
}

// New listens on listen (host:port) and connects to the Redis at server,
// or to the memcached at server when memcache is set (text protocol).
func New(listen, server string, memcache bool) (*Floor, error) {
	la, err := sockaddr(listen)
	if err != nil {
		return nil, err
	}
	sa, err := sockaddr(server)
	if err != nil {
		return nil, err
	}
	f := &Floor{conns: map[int]*fdState{}, buf: make([]byte, 64<<10), ep: -1, ls: -1, srv: -1, stop: -1,
		requestLen: RequestLen, replyLen: ReplyLen}
	if memcache {
		f.requestLen, f.replyLen = MCRequestLen, MCReplyLen
	}
	fail := func(err error) (*Floor, error) {
		f.Close()
		return nil, err
	}
	if f.ep, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC); err != nil {
		return fail(fmt.Errorf("floor: epoll: %w", err))
	}
	if f.ls, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0); err != nil {
		return fail(fmt.Errorf("floor: socket: %w", err))
	}
	_ = syscall.SetsockoptInt(f.ls, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	if err = syscall.Bind(f.ls, la); err == nil {
		err = syscall.Listen(f.ls, 1024)
	}
	if err != nil {
		return fail(fmt.Errorf("floor: listen on %s: %w", listen, err))
	}
	if f.srv, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0); err != nil {
		return fail(fmt.Errorf("floor: socket: %w", err))
	}
	if err = syscall.Connect(f.srv, sa); err != nil {
		return fail(fmt.Errorf("floor: connect to %s: %w", server, err))
	}
	r, _, e := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if e != 0 {
		return fail(fmt.Errorf("floor: eventfd: %w", e))
	}
	f.stop = int(r)
	for _, fd := range []int{f.ls, f.srv, f.stop} {
		if fd != f.stop {
			_ = syscall.SetNonblock(fd, true)
			_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		}
		if err := f.ctl(syscall.EPOLL_CTL_ADD, fd, syscall.EPOLLIN); err != nil {
			return fail(err)
		}
	}
	f.conns[f.srv] = &fdState{fd: f.srv}
	return f, nil
}

// Addr is the listening address.
func (f *Floor) Addr() string {
	sa, err := syscall.Getsockname(f.ls)
	if err != nil {
		return ""
	}
	a := sa.(*syscall.SockaddrInet4)
	return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
}

// Shutdown makes Serve return; it may be called from any goroutine.
func (f *Floor) Shutdown() {
	one := [8]byte{1}
	_, _ = syscall.Write(f.stop, one[:])
}

// Close releases every descriptor; call it after Serve returned.
func (f *Floor) Close() {
	for fd := range f.conns {
		if fd != f.srv {
			syscall.Close(fd)
		}
	}
	for _, fd := range []int{f.srv, f.ls, f.stop, f.ep} {
		if fd >= 0 {
			syscall.Close(fd)
		}
	}
}

func sockaddr(hostport string) (*syscall.SockaddrInet4, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, fmt.Errorf("floor: %w", err)
	}
	ip := net.ParseIP(host).To4()
	p, err := strconv.Atoi(port)
	if ip == nil || err != nil {
		return nil, fmt.Errorf("floor: %q is not an IPv4 host:port", hostport)
	}
	sa := &syscall.SockaddrInet4{Port: p}
	copy(sa.Addr[:], ip)
	return sa, nil
}

func (f *Floor) ctl(op, fd int, events uint32) error {
	if err := syscall.EpollCtl(f.ep, op, fd, &syscall.EpollEvent{Events: events, Fd: int32(fd)}); err != nil {
		return fmt.Errorf("floor: epoll_ctl: %w", err)
	}
	return nil
}

// errServerGone ends Serve when the datastore closes the connection.
var errServerGone = errors.New("floor: the datastore connection closed")

// Serve runs the loop on the calling goroutine, locked to its thread,
// until Shutdown or until the datastore goes away.
func (f *Floor) Serve() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	evs := make([]syscall.EpollEvent, 128)
	for {
		n, err := syscall.EpollWait(f.ep, evs, -1)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			return fmt.Errorf("floor: epoll_wait: %w", err)
		}
		for _, ev := range evs[:n] {
			fd := int(ev.Fd)
			switch {
			case fd == f.stop:
				return nil
			case fd == f.ls:
				f.accept()
				continue
			}
			if ev.Events&syscall.EPOLLOUT != 0 {
				f.drain(f.conns[fd])
			}
			if ev.Events&(syscall.EPOLLIN|syscall.EPOLLHUP|syscall.EPOLLERR) == 0 {
				continue
			}
			if fd == f.srv {
				if !f.readServer() {
					return errServerGone
				}
			} else {
				f.readClient(fd)
			}
		}
		f.drain(f.conns[f.srv])
		for i, c := range f.dirty {
			f.drain(c)
			f.dirty[i] = nil
		}
		f.dirty = f.dirty[:0]
	}
}

func (f *Floor) accept() {
	for {
		fd, _, err := syscall.Accept4(f.ls, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		if err != nil {
			return
		}
		_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		if f.ctl(syscall.EPOLL_CTL_ADD, fd, syscall.EPOLLIN) != nil {
			syscall.Close(fd)
			continue
		}
		f.conns[fd] = &fdState{fd: fd}
	}
}

func rawRead(fd int, b []byte) int {
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if e != 0 {
		if e == syscall.EAGAIN || e == syscall.EINTR {
			return -1
		}
		return 0
	}
	return int(n)
}

// readClient moves the client's complete requests to the datastore output and
// notes the client once per request.
func (f *Floor) readClient(fd int) {
	c := f.conns[fd]
	if c == nil {
		return
	}
	n := rawRead(fd, f.buf)
	if n < 0 {
		return
	}
	if n == 0 {
		f.closeClient(c)
		return
	}
	c.in = append(c.in, f.buf[:n]...)
	off := 0
	for {
		l := f.requestLen(c.in[off:])
		if l <= 0 {
			if l < 0 {
				f.closeClient(c)
				return
			}
			break
		}
		f.fifo = append(f.fifo, c)
		off += l
	}
	s := f.conns[f.srv]
	s.out = append(s.out, c.in[:off]...)
	c.in = c.in[:copy(c.in, c.in[off:])]
}

// readServer hands every complete reply to the client at the head of fifo.
func (f *Floor) readServer() bool {
	s := f.conns[f.srv]
	n := rawRead(f.srv, f.buf)
	if n < 0 {
		return true
	}
	if n == 0 {
		return false
	}
	s.in = append(s.in, f.buf[:n]...)
	off := 0
	for len(f.fifo) > 0 {
		l := f.replyLen(s.in[off:])
		if l <= 0 {
			break
		}
		c := f.fifo[0]
		f.fifo[0] = nil
		f.fifo = f.fifo[1:]
		if !c.closed { // a client that left loses its replies
			if len(c.out) == c.off {
				f.dirty = append(f.dirty, c)
			}
			c.out = append(c.out, s.in[off:off+l]...)
		}
		off += l
	}
	s.in = s.in[:copy(s.in, s.in[off:])]
	return true
}

// drain writes what fd's socket takes and watches for writability while
// something is left.
func (f *Floor) drain(c *fdState) {
	if c == nil || c.closed {
		return
	}
	fd := c.fd
	for c.off < len(c.out) {
		b := c.out[c.off:]
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			if e != syscall.EAGAIN && fd != f.srv {
				f.closeClient(c)
				return
			}
			break
		}
		c.off += int(n)
	}
	done := c.off == len(c.out)
	if done {
		c.out, c.off = c.out[:0], 0
	}
	if done == c.wantOut {
		c.wantOut = !done
		ev := uint32(syscall.EPOLLIN)
		if c.wantOut {
			ev |= syscall.EPOLLOUT
		}
		_ = f.ctl(syscall.EPOLL_CTL_MOD, fd, ev)
	}
}

func (f *Floor) closeClient(c *fdState) {
	c.closed = true
	delete(f.conns, c.fd)
	_ = syscall.EpollCtl(f.ep, syscall.EPOLL_CTL_DEL, c.fd, nil)
	syscall.Close(c.fd)
}
