package secure

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// Queue is a listener for an event loop that polls descriptors (netpoll):
// its connections are the plain ends of TLS connections that a Listener
// accepted, handshook and bridged on their own goroutines.
//
//	TLS clients -> net.Listener -> Listener (handshake, Bridge) -> Queue -> event loop
//
// Fd is a pipe's read end, readable while a connection waits; Accept never
// blocks: it returns the next connection, or nil, nil when none waits.
// Close closes the TLS listener, ends accepting and closes the
// connections not taken yet. Its methods are safe for concurrent use.
type Queue struct {
	tlsLn net.Listener
	l     *Listener
	done  chan struct{}

	mu     sync.Mutex
	q      []*PlainConn
	rd, wr int // the pipe: one byte per waiting connection
	closed bool
}

// MaxWaiting bounds the connections handshaken and not yet taken by
// Accept; past it a new one is closed.
const MaxWaiting = 4096

// ErrQueueClosed is what Accept returns once the Queue is closed.
var ErrQueueClosed = errors.New("secure: listener closed")

// NewQueue serves TLS on ln with l (its Handle is replaced) and queues the
// bridged connections for Accept. The Queue owns ln.
func NewQueue(ln net.Listener, l Listener) (*Queue, error) {
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		return nil, os.NewSyscallError("pipe", err)
	}
	for _, fd := range p {
		syscall.CloseOnExec(fd)
		if err := syscall.SetNonblock(fd, true); err != nil {
			syscall.Close(p[0])
			syscall.Close(p[1])
			return nil, os.NewSyscallError("fcntl", err)
		}
	}
	q := &Queue{tlsLn: ln, l: &l, rd: p[0], wr: p[1], done: make(chan struct{})}
	q.l.Handle = q.push
	go func() {
		defer close(q.done)
		_ = q.l.Serve(ln)
	}()
	return q, nil
}

// push queues the plain end f of a bridged connection.
func (q *Queue) push(f *os.File, conn *tls.Conn) {
	c, err := newPlainConn(f, conn.LocalAddr(), conn.RemoteAddr())
	if err != nil {
		if q.l.Failed != nil {
			q.l.Failed(conn.RemoteAddr(), err)
		}
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || len(q.q) >= MaxWaiting {
		c.Close()
		return
	}
	if _, err := syscall.Write(q.wr, []byte{1}); err != nil {
		c.Close()
		return
	}
	q.q = append(q.q, c)
}

// Accept returns the next waiting connection (a *PlainConn), nil, nil
// when none waits, or ErrQueueClosed.
func (q *Queue) Accept() (net.Conn, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, ErrQueueClosed
	}
	if len(q.q) == 0 {
		return nil, nil
	}
	var b [1]byte
	_, _ = syscall.Read(q.rd, b[:])
	c := q.q[0]
	q.q[0] = nil
	q.q = q.q[1:]
	return c, nil
}

// Close stops accepting, waits until the TLS listener's Serve returned
// and closes what waits. Handshakes under way end on their own, within
// the Listener's Timeout, and their connections are closed.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	for _, c := range q.q {
		c.Close()
	}
	q.q = nil
	q.mu.Unlock()
	err := q.tlsLn.Close()
	<-q.done
	// An event loop closes its listener after it stopped polling Fd.
	syscall.Close(q.wr)
	syscall.Close(q.rd)
	return err
}

// Addr is the TLS listener's address.
func (q *Queue) Addr() net.Addr { return q.tlsLn.Addr() }

// Fd is the descriptor an event loop polls for readability.
func (q *Queue) Fd() int { return q.rd }

// PlainConn is the plain end of a bridged TLS connection, as a descriptor
// for an event loop (Fd), with the TLS connection's addresses. Read and
// Write are plain system calls on a non-blocking socket; deadlines are
// not supported.
type PlainConn struct {
	fd            int
	local, remote net.Addr
}

func newPlainConn(f *os.File, local, remote net.Addr) (*PlainConn, error) {
	defer f.Close()
	raw, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd, derr := -1, error(nil)
	// Control, not f.Fd: Fd would switch the socket to blocking mode.
	if err := raw.Control(func(s uintptr) { fd, derr = dupCloexec(int(s)) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, os.NewSyscallError("fcntl", derr)
	}
	return &PlainConn{fd: fd, local: local, remote: remote}, nil
}

// Fd is the socket; whoever takes the PlainConn owns it.
func (c *PlainConn) Fd() int { return c.fd }

// Read is read(2) on the socket.
func (c *PlainConn) Read(b []byte) (int, error) { return ignoreNeg(syscall.Read(c.fd, b)) }

// Write is write(2) on the socket.
func (c *PlainConn) Write(b []byte) (int, error) { return ignoreNeg(syscall.Write(c.fd, b)) }

// Close closes the socket.
func (c *PlainConn) Close() error { return syscall.Close(c.fd) }

// LocalAddr is the TLS connection's local address.
func (c *PlainConn) LocalAddr() net.Addr { return c.local }

// RemoteAddr is the TLS client's address.
func (c *PlainConn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline is not supported.
func (c *PlainConn) SetDeadline(time.Time) error { return errors.ErrUnsupported }

// SetReadDeadline is not supported.
func (c *PlainConn) SetReadDeadline(time.Time) error { return errors.ErrUnsupported }

// SetWriteDeadline is not supported.
func (c *PlainConn) SetWriteDeadline(time.Time) error { return errors.ErrUnsupported }

func ignoreNeg(n int, err error) (int, error) {
	if n < 0 {
		n = 0
	}
	return n, err
}

func dupCloexec(fd int) (int, error) {
	for {
		d, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
		if errno != syscall.EINTR {
			if errno != 0 {
				return -1, errno
			}
			return int(d), nil
		}
	}
}
