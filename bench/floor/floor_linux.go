package floor

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
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
	// rp and mp frame a client's requests (RESP or memcached text).
	rp resp.Parser
	mp memcache.Parser
	// server: the datastore's connection or a replica's, else a client's.
	server bool
	// pend: a client's requests sent under quorum, oldest first.
	pend []*pend
}

// sent is a request written to the datastore: the client its reply goes
// to, and its memcached command, which frames the reply.
type sent struct {
	c   *fdState
	cmd memcache.Command
}

// Floor is one forwarder: a listener and one datastore connection.
type Floor struct {
	ep, ls, srv int
	conns       map[int]*fdState
	fifo        []sent     // every request sent, oldest first
	dirty       []*fdState // clients with replies to write after this batch
	stop        int        // eventfd that ends Serve
	buf         []byte
	memcache    bool // memcached text protocol, else RESP
	rreq        resp.Request
	mreq        memcache.Request
	rs          resp.ReplyScanner
	ms          memcache.ReplyScanner

	// The cluster floor (cluster_linux.go): the replicas, every link by
	// descriptor, and under quorum the local datastore's link first and
	// then the replicas', with the pends to reuse.
	peers  []*link
	links  map[int]*link
	all    []*link
	quorum bool
	free   []*pend
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
	f := &Floor{conns: map[int]*fdState{}, links: map[int]*link{}, buf: make([]byte, 64<<10), ep: -1, ls: -1, srv: -1, stop: -1, memcache: memcache}
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
	f.conns[f.srv] = &fdState{fd: f.srv, server: true}
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

// errServerGone ends Serve when the datastore closes the connection,
// errBadReply when it sends what is not a reply.
var (
	errServerGone = errors.New("floor: the datastore connection closed")
	errBadReply   = errors.New("floor: the datastore sent a malformed reply")
)

// errUnmatched refuses a memcached request that may get no reply (noreply,
// a quiet meta command): replies are matched to requests in order.
var errUnmatched = errors.New("floor: a request without a reply")

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
			if l := f.linkOf(fd); l != nil {
				if err := f.readLink(l); err != nil {
					return err
				}
			} else if fd == f.srv {
				if err := f.readServer(); err != nil {
					return err
				}
			} else {
				f.readClient(fd)
			}
		}
		f.drain(f.conns[f.srv])
		for _, l := range f.peers {
			f.drain(l.st)
		}
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

// readClient moves the client's complete requests to the datastore output
// and notes the client once per request.
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
	for off < len(c.in) {
		l, cmd, err := f.request(c, c.in[off:])
		if err != nil {
			f.closeClient(c)
			return
		}
		if l == 0 {
			break
		}
		if len(f.peers) == 0 || !f.copyRequest(c, c.in[off:off+l]) {
			f.fifo = append(f.fifo, sent{c, cmd})
		}
		off += l
	}
	if !f.quorum {
		s := f.conns[f.srv]
		s.out = append(s.out, c.in[:off]...)
	}
	c.in = c.in[:copy(c.in, c.in[off:])]
}

// request frames the request at the front of b with the client's parser:
// its length (0 while incomplete) and, for memcached, its command.
func (f *Floor) request(c *fdState, b []byte) (int, memcache.Command, error) {
	if f.memcache {
		n, err := c.mp.Parse(b, &f.mreq)
		switch {
		case err == memcache.ErrIncomplete:
			return 0, 0, nil
		case err == nil && (f.mreq.NoReply || f.mreq.Quiet):
			err = errUnmatched
		}
		return n, f.mreq.Cmd, err
	}
	n, err := c.rp.Parse(b, &f.rreq)
	if err == resp.ErrIncomplete {
		return 0, 0, nil
	}
	return n, 0, err
}

// reply frames the datastore's reply at the front of b to a request of
// command cmd: its length, 0 while incomplete.
func (f *Floor) reply(b []byte, cmd memcache.Command) (int, error) {
	var n int
	var err error
	if f.memcache {
		n, _, err = f.ms.Scan(b, cmd)
		if err == memcache.ErrIncomplete {
			return 0, nil
		}
	} else if n, err = f.rs.Scan(b); err == resp.ErrIncomplete {
		return 0, nil
	}
	if err != nil {
		return 0, errBadReply
	}
	return n, nil
}

// readServer hands every complete reply to the client of the oldest
// request sent.
func (f *Floor) readServer() error {
	s := f.conns[f.srv]
	if ok, err := f.fill(s); !ok {
		return err
	}
	off := 0
	for len(f.fifo) > 0 && off < len(s.in) {
		l, err := f.reply(s.in[off:], f.fifo[0].cmd)
		if err != nil {
			return err
		}
		if l == 0 {
			break
		}
		c := f.fifo[0].c
		f.fifo[0] = sent{}
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
	return nil
}

// fill appends what s's socket has to s.in: false when it had nothing, or
// with errServerGone when the datastore (or replica) closed it.
func (f *Floor) fill(s *fdState) (bool, error) {
	n := rawRead(s.fd, f.buf)
	if n < 0 {
		return false, nil
	}
	if n == 0 {
		return false, errServerGone
	}
	s.in = append(s.in, f.buf[:n]...)
	return true, nil
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
			if e != syscall.EAGAIN && !c.server {
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
