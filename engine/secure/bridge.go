package secure

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// The bridge: netpoll has no TLS, so a TLS connection is terminated by
// crypto/tls on a standard net.Conn and its plaintext relayed over a Unix
// socketpair; the node gets the other end as a plain descriptor for
// netpoll, and its request path does not change.
//
//	client ==TLS== net.Conn --[tls.Conn]-- relay goroutines -- sp[0] ~~~ sp[1] -- netpoll (node)
//
// Two goroutines per connection, each with one buffer of BufferSize: TLS to
// plain and plain to TLS. Memory per connection is bounded by the two
// buffers, crypto/tls's record buffers and the socketpair's kernel
// buffers. When the TLS side ends (EOF, close_notify or error) the relay
// shuts the plain side's write half, so the node sees EOF and may still
// answer (a half-closed client); when the node closes its end, or either
// copy fails, the relay closes both sides. Nothing is left open after both
// goroutines return.
//
// Costs, against a goroutine-free alternative (a TLS record layer inside
// the reactor): two extra copies and two socketpair system calls per
// direction, and two goroutines mostly parked per connection. It keeps
// crypto/tls's audited handshake and record code, and the node stays one
// plain-socket path.

// BufferSize is one TLS record's plaintext at most: the relay buffer per
// direction, and the read buffer Polled.Decrypt wants.
const BufferSize = 16 << 10

// ErrHandshakeTimeout: the handshake did not finish within its timeout.
var ErrHandshakeTimeout = errors.New("secure: TLS handshake timed out")

// Handshake runs the TLS handshake of conn within timeout. On error conn
// is closed.
func Handshake(conn *tls.Conn, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := conn.HandshakeContext(ctx); err != nil {
		conn.Close()
		if ctx.Err() != nil {
			return fmt.Errorf("cannot complete the TLS handshake with %s: %w", conn.RemoteAddr(), ErrHandshakeTimeout)
		}
		return fmt.Errorf("cannot complete the TLS handshake with %s: %w", conn.RemoteAddr(), err)
	}
	return nil
}

// Bridge relays conn's plaintext to a new socketpair and returns the end
// for the node: a non-blocking, close-on-exec descriptor in an *os.File
// whose ownership passes to the caller (netpoll takes f.Fd(); keep f
// reachable or dup it). The handshake must be done. Closing the returned
// end closes conn; conn ending shuts the returned end's read side (EOF).
func Bridge(conn *tls.Conn) (*os.File, error) {
	fds, err := socketpair()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("cannot create the TLS bridge socketpair: %w", err)
	}
	relayEnd := os.NewFile(uintptr(fds[0]), "tls-bridge")
	local, err := net.FileConn(relayEnd) // dups the descriptor
	relayEnd.Close()
	if err != nil {
		syscall.Close(fds[1])
		conn.Close()
		return nil, fmt.Errorf("cannot use the TLS bridge socketpair: %w", err)
	}
	if err := syscall.SetNonblock(fds[1], true); err != nil {
		syscall.Close(fds[1])
		local.Close()
		conn.Close()
		return nil, fmt.Errorf("cannot use the TLS bridge socketpair: %w", err)
	}
	go relay(conn, local.(*net.UnixConn))
	return os.NewFile(uintptr(fds[1]), "tls-plain"), nil
}

// relay copies both ways until both copies end, then closes both sides.
func relay(conn *tls.Conn, local *net.UnixConn) {
	var once sync.Once
	closeAll := func() {
		once.Do(func() {
			conn.Close()
			local.Close()
		})
	}
	done := make(chan struct{})
	go func() {
		// node -> TLS peer. Ends when the node closes its end.
		copyBuf(conn, local)
		closeAll()
		close(done)
	}()
	// TLS peer -> node. On its end the node sees EOF and may still write.
	if err := copyBuf(local, conn); err != nil {
		closeAll()
	} else {
		_ = local.CloseWrite()
	}
	<-done
	closeAll()
}

// copyBuf copies src to dst through one BufferSize buffer; it returns nil
// on src's clean end and the error otherwise.
func copyBuf(dst io.Writer, src io.Reader) error {
	buf := make([]byte, BufferSize)
	_, err := io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, buf)
	return err
}

// Listener accepts TLS connections on a standard listener and hands each
// one, handshaken and bridged, to a callback.
type Listener struct {
	// Config is the server configuration (Certs.ServerConfig).
	Config *tls.Config
	// Timeout bounds each handshake (the node's timeout).
	Timeout time.Duration
	// Handle receives the plain end of each bridged connection, which it
	// owns, and the TLS connection for its state and addresses only (the
	// bridge does its I/O). It runs on the connection's own goroutine.
	Handle func(f *os.File, conn *tls.Conn)
	// Failed, when set, is told of each failed handshake (for one log
	// line and a counter). Other connections are not affected.
	Failed func(remote net.Addr, err error)
}

// Serve accepts on ln until it is closed, and returns the Accept error.
// Each handshake runs on its own goroutine, bounded by Timeout.
func (l *Listener) Serve(ln net.Listener) error {
	for {
		raw, err := ln.Accept()
		if err != nil {
			return err
		}
		go l.serveOne(raw)
	}
}

func (l *Listener) serveOne(raw net.Conn) {
	conn := tls.Server(raw, l.Config)
	if err := Handshake(conn, l.Timeout); err != nil {
		if l.Failed != nil {
			l.Failed(raw.RemoteAddr(), err)
		}
		return
	}
	f, err := Bridge(conn)
	if err != nil {
		if l.Failed != nil {
			l.Failed(raw.RemoteAddr(), err)
		}
		return
	}
	l.Handle(f, conn)
}

// Dial connects to addr, runs the client handshake with cfg
// (Certs.ClientConfig) and bridges it; connecting and the handshake are
// each bounded by timeout. The caller owns the returned plain end.
func Dial(network, addr string, cfg *tls.Config, timeout time.Duration) (*os.File, error) {
	raw, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("cannot dial %s: %w", addr, err)
	}
	conn := tls.Client(raw, cfg)
	if err := Handshake(conn, timeout); err != nil {
		return nil, err
	}
	return Bridge(conn)
}
