package inbound

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/engine/secure"
	"github.com/dynomite-go/dynomite/engine/sock"
)

// TLS on a listener's accepted connections (client_tls on the client
// listener, peer_tls on dyn_listen).
//
// The listener is a plain netpoll one: netpoll accepts, polls and reads
// every connection, and a TLS connection is a Conn like any other, served
// on the pollers. Its TLS layer (TLSConn) is a secure.Polled:
//
//	Accept ──▶ handshake on a goroutine of its own, fed by OnRequest with
//	           what the poller reads, bounded by TLSSide.Handshake
//	  failed ──▶ socket shut down, one log line, TLSSide.Failed +1 (not
//	             for a connection closed before it sent anything: a probe)
//	  done   ──▶ TLSSide.Register (numbered, counted, in the node's set),
//	             then every read is decrypted into Conn.OnInput
//
// Replies are encrypted by whoever flushes them (core.Sock.Sealer) and
// written as a plain connection's are. A close_notify is a half-close:
// the connection lingers for its replies as a plain client that sent its
// FIN does. On dyn_listen the handshake requires and verifies the peer's
// certificate (the side's Config says so), so a plain peer, or one with a
// certificate of another CA, never reaches the peer's request path.
//
// Locks: a TLSConn's input lock (held by OnRequest and the handshake's
// switch to serving) comes before its state lock, and both before the
// Conn's.

// TLSSide is what the TLS connections accepted on one listener share. The
// node fills it before the listener accepts and only reads it afterwards,
// except Failed.
type TLSSide struct {
	// Kind is the kind of its connections; its Name names the listener
	// in the logs.
	Kind *Kind
	// Config is its server configuration; nil when the listener is plain.
	Config *tls.Config
	// Handshake bounds each handshake.
	Handshake time.Duration
	// Register numbers an accepted connection whose handshake completed
	// and adds it to the node's connections; false when the node is
	// closing (the connection is then closed). It runs on the handshake's
	// goroutine, before any of the connection's input is handled.
	Register func(c *Conn) bool
	// Failed counts its failed handshakes; safe to read at any time.
	Failed atomic.Int64

	reads sync.Pool // of *[secure.BufferSize]byte, plaintext read buffers
}

// failed logs and counts a failed handshake.
func (s *TLSSide) failed(e *Env, remote net.Addr, err error) {
	if !errors.Is(err, io.EOF) { // not a probe that connected and closed
		s.Failed.Add(1)
	}
	e.Log.Info(s.Kind.Name+" TLS handshake failed", "remote", remote.String(), "err", err)
}

// TLSConn is the TLS layer of an accepted connection.
type TLSConn struct {
	side   *TLSSide
	c      *Conn
	p      *secure.Polled
	remote net.Addr
	// in serializes the input: Feed during the handshake, the switch to
	// serving and every Decrypt.
	in sync.Mutex
	// sink is c.OnInput, bound once.
	sink func([]byte)

	mu    sync.Mutex
	state atomic.Int32 // tlsHandshaking, tlsServing, tlsGone; changed under mu
	// hfd duplicates the socket for the handshake's writes and shutdown
	// (netpoll may close its descriptor meanwhile); -1 once closed.
	hfd int
}

const (
	tlsHandshaking int32 = iota
	tlsServing
	tlsGone
)

// Accept makes the TLS layer of nc, accepted on the listener of s, and
// starts its handshake on a goroutine of its own. It returns nil when the
// connection cannot be served (it is closed then). Called from netpoll's
// OnPrepare; the node hands every read of nc to the result's OnRequest.
func (s *TLSSide) Accept(e *Env, nc netpoll.Connection) *TLSConn {
	c := NewConn(e, s.Kind, nc)
	hfd, err := sock.Dup(c.FD)
	if err != nil {
		s.failed(e, nc.RemoteAddr(), err)
		c.CloseLater()
		return nil
	}
	t := &TLSConn{side: s, c: c, remote: nc.RemoteAddr(), hfd: hfd}
	t.p = secure.NewPolled(s.Config, secure.PolledIO{
		Local: nc.LocalAddr(), Remote: t.remote,
		WriteAll: t.writeAll, Close: t.shutdown,
	})
	_ = nc.AddCloseCallback(t.onClose)
	go t.Handshake()
	return t
}

// Over makes the TLS layer of c, accepted on the listener of s, whose
// handshake writes and shuts down through io instead of c's socket, and
// which has no close callback: for tests that run the handshake (call
// Handshake) and the input (call Input) themselves.
func (s *TLSSide) Over(c *Conn, io secure.PolledIO) *TLSConn {
	t := &TLSConn{side: s, c: c, remote: io.Remote, hfd: -1}
	t.p = secure.NewPolled(s.Config, io)
	return t
}

// Serving reports whether the handshake completed and the connection's
// input is decrypted.
func (t *TLSConn) Serving() bool { return t.state.Load() == tlsServing }

// writeAll writes the handshake's records.
func (t *TLSConn) writeAll(b []byte, wait time.Duration) error {
	t.mu.Lock()
	fd := t.hfd
	t.mu.Unlock()
	if fd < 0 {
		return net.ErrClosed
	}
	return sock.WriteAll(fd, b, wait)
}

// shutdown shuts the socket down during the handshake (crypto/tls closed
// the connection).
func (t *TLSConn) shutdown() {
	t.mu.Lock()
	if t.hfd >= 0 {
		_ = syscall.Shutdown(t.hfd, syscall.SHUT_RDWR)
	}
	t.mu.Unlock()
}

// Handshake runs the handshake, then registers the connection and serves
// the input that arrived meanwhile; on failure the socket is shut down
// (the poller then closes the connection). A connection whose socket
// netpoll closed during the handshake (its FIN) is served what it sent
// through hfd, then closed as netpoll would have (it lingers when replies
// are owed). Accept runs it; it returns once the connection is served or
// closed.
func (t *TLSConn) Handshake() {
	e := t.c.env
	err := t.p.Handshake(t.side.Handshake)
	if err != nil {
		t.closeHfd()
		t.side.failed(e, t.remote, err)
		t.c.CloseLater()
		return
	}
	t.in.Lock()
	t.mu.Lock()
	hungUp := t.state.Load() == tlsGone
	if !t.side.Register(t.c) {
		t.mu.Unlock()
		t.in.Unlock()
		t.closeHfd()
		t.c.CloseLater()
		return
	}
	t.sink = t.c.OnInput
	t.c.Sealer = t.p
	if !hungUp {
		t.state.Store(tlsServing)
	}
	t.mu.Unlock()
	if !hungUp {
		t.closeHfd()
		t.decrypt(nil)
		t.in.Unlock()
		return
	}
	t.c.FD = t.hfd // no output yet: nobody reads FD
	t.decrypt(nil)
	t.in.Unlock()
	t.c.OnClose()
	t.closeHfd()
}

// closeHfd closes the handshake's descriptor.
func (t *TLSConn) closeHfd() {
	t.mu.Lock()
	if t.hfd >= 0 {
		_ = sock.Close(t.hfd)
		t.hfd = -1
	}
	t.mu.Unlock()
}

// OnRequest is netpoll's OnRequest for a TLS connection: it consumes all
// of nc's input (Input), then lets a client's poller busy-poll, and the
// poller park (core.Sock.AfterCallback).
func (t *TLSConn) OnRequest(nc netpoll.Connection) error {
	r := nc.Reader()
	b, _ := r.Next(r.Len())
	serving := t.Input(b)
	err := r.Release()
	if serving {
		t.c.AfterCallback(t.c.Kind.Client)
	}
	return err
}

// Input hands b, bytes read from the socket, to the TLS layer: during the
// handshake they go to it, afterwards their plaintext goes to OnInput. It
// reports whether the connection is served (the handshake completed). b
// is not kept.
func (t *TLSConn) Input(b []byte) bool {
	t.in.Lock()
	serving := t.state.Load() == tlsServing
	if serving {
		t.decrypt(b)
	} else {
		t.p.Feed(b)
	}
	t.in.Unlock()
	return serving
}

// decrypt hands b to the TLS layer and its plaintext to OnInput; a
// close_notify half-closes the connection, a bad stream closes it. Callers
// hold in.
func (t *TLSConn) decrypt(b []byte) {
	buf, _ := t.side.reads.Get().(*[secure.BufferSize]byte)
	if buf == nil {
		buf = new([secure.BufferSize]byte)
	}
	err := t.p.Decrypt(b, buf[:], t.sink)
	t.side.reads.Put(buf)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		t.c.CloseInput()
	default:
		t.c.env.Log.Info("closing TLS "+t.side.Kind.Name+": bad record", "id", t.c.ID, "err", err)
		t.c.FailLater()
	}
}

// onClose is the connection's close callback.
func (t *TLSConn) onClose(netpoll.Connection) error {
	t.mu.Lock()
	was := t.state.Swap(tlsGone)
	t.mu.Unlock()
	if was == tlsServing {
		t.c.OnClose()
		return nil
	}
	t.c.MarkGone()
	t.p.Hangup()
	return nil
}
