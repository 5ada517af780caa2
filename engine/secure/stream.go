package secure

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Stream: a TLS connection served without the bridge. After the handshake
// the caller reads plaintext with Read on one goroutine of its own, and
// writes it with WriteSome (never blocks: the encrypted records go to the
// socket with one non-blocking write, what the socket does not take is kept)
// or WriteAll (waits for the socket). The request path then costs one read
// and one write system call per direction, as a plain socket does, plus
// the record layer's cipher.
//
// WriteSome's contract is that of a non-blocking write on a plain socket:
// it returns how many bytes were taken, and all of b only when all of it is
// with the kernel. When the socket leaves part of the encrypted records,
// every plaintext byte is already encrypted; WriteSome then reports the last
// one as not taken, and the caller's next write (WriteAll, which waits for
// the socket) starts with that byte: it is skipped, not sent twice. So the
// caller hands back what was not taken, as it would on a plain socket, and
// nothing else in between.

// Stream is a handshaken TLS connection for an event-driven caller. Read
// runs on one goroutine; WriteSome and WriteAll are serialized by the
// caller; Close and SetWriteDeadline are safe from any goroutine.
type Stream struct {
	tc   *tls.Conn
	out  *sink
	fd   int
	once sync.Once
	// owed: plaintext bytes at the front of the next write that were
	// already encrypted (see WriteSome). Writers only.
	owed int
}

// errUnfinished: WriteSome after a partial write that WriteAll did not
// finish (the caller broke the contract).
var errUnfinished = errors.New("secure: a partial write was not finished with WriteAll")

// keepPend bounds the capacity of the unsent-records buffer a stream
// keeps between writes.
const keepPend = 64 << 10

// sink is the net.Conn under a Stream's tls.Conn. Reads and the
// handshake's writes go to the TCP connection; once direct, a write of
// records is one non-blocking system call and the rest is kept in pend,
// sent by the next flush.
type sink struct {
	net.Conn
	rc syscall.RawConn

	closing atomic.Bool // Close was called: a waiting flush gives up

	mu     sync.Mutex
	direct bool // the handshake is done
	pend   []byte
	err    error // a write failed: every later write fails with it
}

// Read is the TCP connection's Read.
func (s *sink) Read(b []byte) (int, error) { return s.Conn.Read(b) }

// Write takes p whole: before the handshake is done it is the TCP
// connection's (blocking) Write; afterwards one non-blocking write, the
// rest kept in pend (all of p when records are already waiting).
func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.direct {
		return s.Conn.Write(p)
	}
	if s.err != nil {
		return 0, s.err
	}
	n := len(p)
	if len(s.pend) == 0 {
		k, err := s.writeNow(p)
		if err != nil {
			s.err = err
			return 0, err
		}
		p = p[k:]
	}
	s.pend = append(s.pend, p...)
	return n, nil
}

// writeNow makes one non-blocking write of b and returns how many bytes
// the socket took (0 when it is full). Callers hold mu.
func (s *sink) writeNow(b []byte) (int, error) {
	n, werr := 0, error(nil)
	err := s.rc.Control(func(fd uintptr) {
		for {
			k, err := syscall.Write(int(fd), b)
			switch err {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return
			case nil:
				n = k
			default:
				werr = err
			}
			return
		}
	})
	if err != nil {
		return 0, err
	}
	return n, werr
}

// flush sends what pend holds: one non-blocking write, or, with wait,
// waiting for the socket until all of it is sent (bounded by the write
// deadline). It returns the bytes still unsent.
func (s *sink) flush(wait bool) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	if len(s.pend) == 0 {
		return 0, nil
	}
	if !wait {
		k, err := s.writeNow(s.pend)
		if err != nil {
			s.err = err
			return 0, err
		}
		s.consume(k)
		return len(s.pend), nil
	}
	var werr error
	err := s.rc.Write(func(fd uintptr) bool {
		for len(s.pend) > 0 {
			if s.closing.Load() {
				werr = net.ErrClosed
				return true
			}
			k, err := syscall.Write(int(fd), s.pend)
			switch err {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false // wait for the socket
			case nil:
				s.consume(k)
			default:
				werr = err
				return true
			}
		}
		return true
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		s.err = err
		return 0, err
	}
	return 0, nil
}

// consume drops the first k bytes of pend. Callers hold mu.
func (s *sink) consume(k int) {
	switch {
	case k == len(s.pend) && cap(s.pend) > keepPend:
		s.pend = nil
	case k == len(s.pend):
		s.pend = s.pend[:0]
	default:
		s.pend = s.pend[:copy(s.pend, s.pend[k:])]
	}
}

func (s *sink) unsent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pend)
}

// newSink wraps a TCP connection.
func newSink(raw net.Conn) (*sink, error) {
	sc, ok := raw.(syscall.Conn)
	if !ok {
		return nil, errors.New("secure: connection has no descriptor")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	return &sink{Conn: raw, rc: rc}, nil
}

// newStream makes the Stream of conn, whose handshake is done, over s.
func newStream(conn *tls.Conn, s *sink) (*Stream, error) {
	fd := -1
	if err := s.rc.Control(func(d uintptr) { fd = int(d) }); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.direct = true
	s.mu.Unlock()
	return &Stream{tc: conn, out: s, fd: fd}, nil
}

// TLS is the connection, for its state and addresses (its I/O goes
// through the Stream).
func (t *Stream) TLS() *tls.Conn { return t.tc }

// Fd is the socket's descriptor, for shutdown(2) (which ends Read with
// EOF); it is closed by Close and must not be used afterwards.
func (t *Stream) Fd() int { return t.fd }

// Read reads plaintext (crypto/tls's Read): io.EOF at the client's end.
func (t *Stream) Read(b []byte) (int, error) { return t.tc.Read(b) }

// WriteSome encrypts b and makes one non-blocking write of the records; it
// returns how many bytes of b were taken, len(b) only when all of its
// records are with the kernel. It never blocks (the caller's contract:
// see the top of this file for the byte it may leave).
func (t *Stream) WriteSome(b []byte) (int, error) {
	if t.owed > 0 {
		return 0, errUnfinished
	}
	left, err := t.out.flush(false)
	if err != nil || left > 0 || len(b) == 0 {
		return 0, err
	}
	if _, err := t.tc.Write(b); err != nil {
		return 0, err
	}
	if t.out.unsent() == 0 {
		return len(b), nil
	}
	t.owed = 1
	return len(b) - 1, nil
}

// WriteAll writes all of b, waiting for the socket as long as needed; with
// wait > 0, the whole call is bounded by it (a write past it fails with a
// timeout, and so does every later write).
func (t *Stream) WriteAll(b []byte, wait time.Duration) error {
	if wait > 0 {
		_ = t.out.Conn.SetWriteDeadline(time.Now().Add(wait))
	}
	skip := min(t.owed, len(b))
	t.owed -= skip
	b = b[skip:]
	if _, err := t.out.flush(true); err != nil {
		return err
	}
	if len(b) == 0 {
		return nil
	}
	if _, err := t.tc.Write(b); err != nil {
		return err
	}
	_, err := t.out.flush(true)
	return err
}

// SetWriteDeadline bounds WriteAll's waits (the zero time removes the
// bound).
func (t *Stream) SetWriteDeadline(d time.Time) error { return t.out.Conn.SetWriteDeadline(d) }

// Close sends close_notify without waiting and closes the connection
// (the records not sent yet are dropped). Later calls do nothing.
func (t *Stream) Close() error {
	var err error
	t.once.Do(func() {
		t.out.closing.Store(true)
		_ = t.out.Conn.SetWriteDeadline(time.Now()) // wakes a waiting flush
		// Wait until a waiting flush has given up, before crypto/tls's
		// close_notify moves the deadline (which would put it back to
		// sleep).
		t.out.mu.Lock()
		//lint:ignore SA2001 a barrier: a waiting flush has returned
		t.out.mu.Unlock()
		err = t.tc.Close()
	})
	return err
}
