package secure

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Polled: a server-side TLS connection whose socket an event loop polls
// and reads (netpoll), as it does a plain one. crypto/tls works on a
// net.Conn; here that net.Conn is an adaptor fed by the event loop:
//
//   - the handshake runs on a goroutine of its own (Handshake). Its reads
//     wait for the bytes the event loop hands over (Feed), bounded by the
//     handshake's timeout; its writes go to the socket through the
//     caller's WriteAll.
//   - afterwards nothing waits. Decrypt hands the event loop's bytes to the
//     record layer, whole records only, and returns their plaintext; a
//     record cut short waits in the adaptor (copied) for the next call.
//     The adaptor never reads past a record's end, so crypto/tls holds no
//     input between two records, and it is asked to read only when a
//     whole record waits; should it ask anyway, the adaptor's read
//     reports a temporary timeout, which crypto/tls does not keep as the
//     connection's error. Seal encrypts the replies into the caller's
//     buffer, which the caller writes as it writes a plain connection's
//     output.
//
// So the plaintext is read and written without a goroutine of its own and
// without any system call besides the event loop's.

// PolledIO is what a Polled uses of its socket.
type PolledIO struct {
	// Local and Remote are the socket's addresses.
	Local, Remote net.Addr
	// WriteAll writes b whole, waiting for the socket at most wait (the
	// handshake's records).
	WriteAll func(b []byte, wait time.Duration) error
	// Close shuts the socket down (crypto/tls closes the connection: a
	// failed handshake). It must not block.
	Close func()
	// Read, when set, is how the handshake gets its input: it reads from
	// the socket into b, waiting at most until deadline, and returns at
	// least one byte or an error. Feed is then not used (a connection the
	// event loop does not read yet: a dialled one whose handshake runs on
	// the dialling goroutine).
	Read func(b []byte, deadline time.Time) (int, error)
}

// Polled is a TLS connection driven by an event loop (a server's,
// NewPolled, or a client's, NewPolledClient). Feed and
// Handshake run during the handshake (Feed from the event loop, Handshake
// on its own goroutine); afterwards Decrypt runs on the input side and
// Seal on the output side (each serialized by the caller; the two may run
// at once). Hangup is safe from any goroutine.
type Polled struct {
	tc *tls.Conn
	a  adaptor
}

// errWouldBlock is what the adaptor's Read returns after the handshake
// when no whole record waits: crypto/tls returns it from Read without
// making it the connection's error.
var errWouldBlock = wouldBlock{}

type wouldBlock struct{}

func (wouldBlock) Error() string   { return "secure: no more input from the event loop" }
func (wouldBlock) Timeout() bool   { return true }
func (wouldBlock) Temporary() bool { return true }

// keepOut bounds the capacity of the record buffer a Polled keeps
// between Seals.
const keepOut = 64 << 10

// NewPolled makes the TLS server connection of a socket an event loop
// polls, with configuration cfg. Run Handshake next.
func NewPolled(cfg *tls.Config, io PolledIO) *Polled {
	return newPolled(io, func(c net.Conn) *tls.Conn { return tls.Server(c, cfg) })
}

// NewPolledClient makes the TLS client connection of a socket an event
// loop polls (or will poll), with configuration cfg. Run Handshake next.
func NewPolledClient(cfg *tls.Config, io PolledIO) *Polled {
	return newPolled(io, func(c net.Conn) *tls.Conn { return tls.Client(c, cfg) })
}

// newPolled makes a Polled over io, in its handshake, whose TLS side over
// the adaptor side makes.
func newPolled(io PolledIO, side func(net.Conn) *tls.Conn) *Polled {
	p := &Polled{}
	p.a.io = io
	p.a.hs = true
	p.a.wake = make(chan struct{}, 1)
	p.tc = side(&p.a)
	return p
}

// TLS is the connection, for its state and addresses (its I/O goes
// through Feed, Decrypt and Seal).
func (p *Polled) TLS() *tls.Conn { return p.tc }

// Handshake runs the handshake within timeout, reading what Feed hands
// over (or PolledIO.Read gets); it blocks, so it runs on a goroutine of its own. On error
// the socket is closed (PolledIO.Close). Afterwards the connection never
// blocks: input goes through Decrypt (bytes fed and not read by the
// handshake included).
func (p *Polled) Handshake(timeout time.Duration) error {
	p.a.mu.Lock()
	p.a.deadline = time.Now().Add(timeout)
	p.a.mu.Unlock()
	err := p.tc.Handshake()
	p.a.mu.Lock()
	p.a.hs = false
	timedOut := !time.Now().Before(p.a.deadline)
	p.a.mu.Unlock()
	if err != nil {
		_ = p.tc.Close()
		if timedOut || errors.Is(err, ErrHandshakeTimeout) {
			return fmt.Errorf("cannot complete the TLS handshake with %s: %w", p.a.io.Remote, ErrHandshakeTimeout)
		}
		return fmt.Errorf("cannot complete the TLS handshake with %s: %w", p.a.io.Remote, err)
	}
	return nil
}

// maxFeed bounds the input a handshake holds: a client that sends more
// before its handshake is done fails it.
const maxFeed = 1 << 20

// errFeedOverflow: more than maxFeed bytes came before the handshake was
// done.
var errFeedOverflow = errors.New("secure: too much input before the TLS handshake completed")

// Feed hands over b, bytes the event loop read during the handshake (it
// copies them, up to maxFeed bytes waiting).
func (p *Polled) Feed(b []byte) {
	p.a.mu.Lock()
	if len(p.a.in)+len(b) > maxFeed {
		p.a.overflow = true
	} else {
		p.a.add(b, false)
	}
	p.a.mu.Unlock()
	p.a.signal()
}

// Hangup tells the connection that the event loop closed the socket: a
// handshake waiting for input fails with io.EOF.
func (p *Polled) Hangup() {
	p.a.mu.Lock()
	p.a.eof = true
	p.a.mu.Unlock()
	p.a.signal()
}

// Decrypt hands b (the bytes the event loop read, not kept past the call)
// to the record layer, then reads the plaintext of every complete record
// into buf and passes each chunk to sink. It returns nil once no complete
// record is left (a record cut short is kept, copied, for the next call),
// io.EOF when the client sent close_notify, and another error when the
// stream is bad (the connection is then unusable). Never before
// Handshake returned nil.
func (p *Polled) Decrypt(b, buf []byte, sink func([]byte)) error {
	a := &p.a
	a.mu.Lock()
	a.add(b, true)
	more := a.recordReady()
	a.mu.Unlock()
	var err error
	for more {
		var n int
		n, err = p.tc.Read(buf)
		if n > 0 {
			sink(buf[:n])
		}
		if err != nil {
			break
		}
		a.mu.Lock()
		// A full buf may leave plaintext in the record layer.
		more = n == len(buf) || a.recordReady()
		a.mu.Unlock()
	}
	a.mu.Lock()
	a.keepIn()
	a.mu.Unlock()
	if err == errWouldBlock {
		return nil
	}
	return err
}

// Seal appends the TLS records of src to dst and returns it; records
// crypto/tls made on its own since the last Seal (an alert, a key
// update) come first. dst's backing array may be kept by p, and what is
// returned may be another (a swap when dst is empty: no copy).
func (p *Polled) Seal(dst, src []byte) ([]byte, error) {
	if len(src) > 0 {
		if _, err := p.tc.Write(src); err != nil {
			return dst, err
		}
	}
	a := &p.a
	a.mu.Lock()
	if len(dst) == 0 && cap(dst) > 0 {
		dst, a.out = a.out, dst[:0]
	} else {
		dst = append(dst, a.out...)
		a.out = a.out[:0]
	}
	if cap(a.out) > keepOut {
		a.out = nil
	}
	a.mu.Unlock()
	return dst, nil
}

// adaptor is the net.Conn under a Polled's tls.Conn.
type adaptor struct {
	io   PolledIO
	wake chan struct{} // a handshake's Read waits on it

	mu       sync.Mutex
	hs       bool      // handshaking: Read waits, Write goes to the socket
	deadline time.Time // of the handshake
	in       []byte    // input not read yet: held, or the caller's bytes
	held     []byte    // owned input: fed during the handshake, or kept
	recLeft  int       // bytes of the record being read not handed over yet
	out      []byte    // records written after the handshake
	eof      bool      // the event loop closed the socket
	overflow bool      // more than maxFeed bytes were fed
	closed   bool
}

func (a *adaptor) signal() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Read returns input handed over, never past the end of a record, so
// that the record layer holds no bytes between two records. During the
// handshake it waits for a record's header (until the deadline) and
// hands over what has come of the record; afterwards it hands over only
// complete records, and returns errWouldBlock when none is.
func (a *adaptor) Read(b []byte) (int, error) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		a.mu.Lock()
		if a.recLeft == 0 {
			if a.hs && len(a.in) >= recordHeader || !a.hs && a.recordReady() {
				a.recLeft = recordLen(a.in)
			}
		}
		if a.recLeft > 0 && len(a.in) > 0 {
			n := copy(b, a.in[:min(a.recLeft, len(a.in))])
			a.in = a.in[n:]
			a.recLeft -= n
			a.mu.Unlock()
			return n, nil
		}
		hs, eof, closed, overflow, deadline := a.hs, a.eof, a.closed, a.overflow, a.deadline
		a.mu.Unlock()
		switch {
		case closed:
			return 0, net.ErrClosed
		case overflow:
			return 0, errFeedOverflow
		case eof:
			return 0, io.EOF
		case !hs:
			return 0, errWouldBlock
		}
		left := time.Until(deadline)
		if left <= 0 {
			return 0, ErrHandshakeTimeout
		}
		if a.io.Read != nil {
			if err := a.readSocket(deadline); err != nil {
				return 0, err
			}
			continue
		}
		if timer == nil {
			timer = time.NewTimer(left)
		}
		select {
		case <-a.wake:
		case <-timer.C:
		}
	}
}

// readSocket reads the handshake's input through PolledIO.Read and adds
// it to the input.
func (a *adaptor) readSocket(deadline time.Time) error {
	var buf [4096]byte
	n, err := a.io.Read(buf[:], deadline)
	if n > 0 {
		a.mu.Lock()
		if len(a.in)+n > maxFeed {
			a.overflow = true
		} else {
			a.add(buf[:n], false)
		}
		a.mu.Unlock()
	}
	if n == 0 && err == nil {
		err = io.ErrNoProgress
	}
	if n > 0 {
		return nil
	}
	return err
}

// recordHeader is a TLS record header's length; maxRecord the largest
// record crypto/tls accepts (header included).
const (
	recordHeader = 5
	maxRecord    = recordHeader + 16384 + 2048
)

// recordLen is the length of the record at the start of in (at least
// recordHeader bytes long); a header declaring more than maxRecord counts
// as the header alone, for the record layer to refuse at once.
func recordLen(in []byte) int {
	n := recordHeader + (int(in[3])<<8 | int(in[4]))
	if n > maxRecord {
		return recordHeader
	}
	return n
}

// recordReady reports whether in starts with a complete record (or an
// oversized header). Callers hold mu.
func (a *adaptor) recordReady() bool {
	return len(a.in) >= recordHeader && len(a.in) >= recordLen(a.in)
}

// add appends b to the input: in is either the caller's bytes (borrow,
// when nothing else is pending) or the unread tail of held. Callers hold
// mu.
func (a *adaptor) add(b []byte, borrow bool) {
	if len(a.in) == 0 && borrow {
		a.in = b
		return
	}
	a.held = append(a.held[:0], a.in...) // in may be held's tail: append moves it
	a.held = append(a.held, b...)
	a.in = a.held
}

// keepIn copies the input not handed over to held (the caller's bytes are
// not kept past Decrypt). Callers hold mu.
func (a *adaptor) keepIn() {
	switch {
	case len(a.in) == 0 && cap(a.held) > keepOut:
		a.held, a.in = nil, nil
	case len(a.in) == 0:
		a.held, a.in = a.held[:0], nil
	default:
		a.held = append(a.held[:0], a.in...)
		a.in = a.held
	}
}

// Write sends the handshake's records to the socket; afterwards it keeps
// records for Seal.
func (a *adaptor) Write(b []byte) (int, error) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return 0, net.ErrClosed
	}
	if !a.hs {
		a.out = append(a.out, b...)
		a.mu.Unlock()
		return len(b), nil
	}
	left := time.Until(a.deadline)
	a.mu.Unlock()
	if left <= 0 {
		return 0, ErrHandshakeTimeout
	}
	if err := a.io.WriteAll(b, left); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Close shuts the socket down (once) and ends a waiting Read.
func (a *adaptor) Close() error {
	a.mu.Lock()
	was := a.closed
	a.closed = true
	a.mu.Unlock()
	if !was {
		a.io.Close()
		a.signal()
	}
	return nil
}

func (a *adaptor) LocalAddr() net.Addr              { return a.io.Local }
func (a *adaptor) RemoteAddr() net.Addr             { return a.io.Remote }
func (a *adaptor) SetDeadline(time.Time) error      { return nil }
func (a *adaptor) SetReadDeadline(time.Time) error  { return nil }
func (a *adaptor) SetWriteDeadline(time.Time) error { return nil }
