package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/inbound"
	"github.com/dynomite-go/dynomite/engine/secure"
	"github.com/dynomite-go/dynomite/engine/sock"
)

// TLS on the node's listeners.
//
// With client_tls, the client listener is the plain one: netpoll accepts,
// polls and reads every client, and a TLS client is an inbound.Conn like
// any other, served on the pollers (with their busy-poll). Its TLS layer
// is a secure.Polled (tlsConn): the handshake runs on a goroutine of its
// own, fed with what the poller reads and bounded by the node's timeout
// (5 s when unset); a client that does not complete it affects nobody
// else: its socket is shut down at the timeout, one log line says why and
// the listener's handshake-failure counter counts it (a connection closed
// before it sent anything, such as a port probe, is logged only). Only
// then is the client registered (numbered, counted, in the node's client
// set). Afterwards the poller decrypts each read into OnInput, and the
// replies are encrypted by whoever flushes them (core.Sock.Sealer) and
// written as a plain client's are. A close_notify is a half-close: the
// socket's read side is shut down, and the client lingers for its
// replies as a plain client that sent its FIN does.
//
// With peer_tls, dyn_listen is served the same way: an accepted peer
// connection is a tlsConn of the peer side (the handshake requires and
// verifies the peer's certificate against the block's CA, so a plain
// peer, or one with a certificate of another CA, fails its handshake and
// never reaches the peer event loop), and its inbound peer connection is
// fed the plaintext and has its replies sealed as a TLS client's.

// tlsReadBuf is a TLS connection's plaintext read buffer: one record's worth.
const tlsReadBuf = 16 << 10

var tlsReadBufs = sync.Pool{New: func() any { return new([tlsReadBuf]byte) }}

// listenClients binds the client listener (plain netpoll; with client_tls
// its connections get a TLS layer in onClientPrepare).
func (n *Node) listenClients(a conf.Addr) (netpoll.Listener, error) {
	if n.sec.client != nil {
		n.sec.clientSide.cfg = n.sec.client.ServerConfig()
	}
	return netpoll.CreateListener(a.Network, a.String())
}

// listenPeers binds dyn_listen with the configured backlog (plain netpoll;
// with peer_tls its connections get a TLS layer in onPeerPrepare).
func (n *Node) listenPeers(a conf.Addr) (netpoll.Listener, error) {
	if n.sec.peer != nil {
		n.sec.peerSide.cfg = n.sec.peer.ServerConfig()
	}
	return listenBacklog(a, n.cfg.Pool.Backlog)
}

// tlsSide is what the accepted TLS connections of one listener share.
type tlsSide struct {
	// what names the listener in the logs ("client", "peer").
	what string
	// k is the kind of its connections.
	k *inbound.Kind
	// cfg is its server configuration; nil when the listener is plain.
	cfg *tls.Config
	// failed counts its failed handshakes.
	failed atomic.Int64
}

// tlsFailed logs and counts a failed handshake on the listener of side.
func (n *Node) tlsFailed(side *tlsSide, remote net.Addr, err error) {
	if !errors.Is(err, io.EOF) { // not a probe that connected and closed
		side.failed.Add(1)
	}
	n.log.Info(side.what+" TLS handshake failed", "remote", remote.String(), "err", err)
}

// tlsConn is the TLS layer of an accepted connection (a client, or a
// peer on dyn_listen).
type tlsConn struct {
	n    *Node
	side *tlsSide
	c    *accepted
	p    *secure.Polled
	nc   netpoll.Connection
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

// prepareTLS sets up a connection accepted on the TLS listener of side
// and starts its handshake.
func (n *Node) prepareTLS(nc netpoll.Connection, side *tlsSide) context.Context {
	c := newAccepted(n, side.k, nc)
	hfd, err := sock.Dup(c.FD)
	if err != nil {
		n.tlsFailed(side, nc.RemoteAddr(), err)
		c.CloseLater()
		return context.Background()
	}
	t := &tlsConn{n: n, side: side, c: c, nc: nc, hfd: hfd}
	t.p = secure.NewPolled(side.cfg, secure.PolledIO{
		Local: nc.LocalAddr(), Remote: nc.RemoteAddr(),
		WriteAll: t.writeAll, Close: t.shutdown,
	})
	_ = nc.AddCloseCallback(t.onClose)
	go t.handshake()
	return context.WithValue(context.Background(), clientKey{}, t)
}

// writeAll writes the handshake's records.
func (t *tlsConn) writeAll(b []byte, wait time.Duration) error {
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
func (t *tlsConn) shutdown() {
	t.mu.Lock()
	if t.hfd >= 0 {
		_ = syscall.Shutdown(t.hfd, syscall.SHUT_RDWR)
	}
	t.mu.Unlock()
}

// handshake runs the handshake, then registers the connection and serves the
// input that arrived meanwhile; on failure the socket is shut down (the
// poller then closes the connection). A client whose socket netpoll
// closed during the handshake (its FIN) is served what it sent through
// hfd, then closed as netpoll would have (it lingers when replies are
// owed).
func (t *tlsConn) handshake() {
	n := t.n
	err := t.p.Handshake(dialTimeout(n.timeout))
	if err != nil {
		t.closeHfd()
		n.tlsFailed(t.side, t.nc.RemoteAddr(), err)
		t.c.CloseLater()
		return
	}
	t.in.Lock()
	t.mu.Lock()
	hungUp := t.state.Load() == tlsGone
	if !n.register(t.c) {
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
func (t *tlsConn) closeHfd() {
	t.mu.Lock()
	if t.hfd >= 0 {
		_ = sock.Close(t.hfd)
		t.hfd = -1
	}
	t.mu.Unlock()
}

// onRequest is onClientRequest for a TLS connection: during the handshake
// the input goes to it, afterwards it is decrypted into OnInput.
func (t *tlsConn) onRequest(nc netpoll.Connection) error {
	r := nc.Reader()
	b, _ := r.Next(r.Len())
	t.in.Lock()
	serving := t.state.Load() == tlsServing
	if serving {
		t.decrypt(b)
	} else {
		t.p.Feed(b)
	}
	t.in.Unlock()
	err := r.Release()
	if serving && t.c.Kind.Client {
		t.c.Spin()
	}
	return err
}

// decrypt hands b to the TLS layer and its plaintext to OnInput; a
// close_notify half-closes the connection, a bad stream closes it. Callers
// hold in.
func (t *tlsConn) decrypt(b []byte) {
	buf := tlsReadBufs.Get().(*[tlsReadBuf]byte)
	err := t.p.Decrypt(b, buf[:], t.sink)
	tlsReadBufs.Put(buf)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		t.c.CloseInput()
	default:
		t.n.log.Info("closing TLS "+t.side.what+": bad record", "id", t.c.ID, "err", err)
		t.c.FailLater()
	}
}

// onClose is the connection's close callback.
func (t *tlsConn) onClose(netpoll.Connection) error {
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

// useStatsTLS makes the stats endpoint serve HTTPS when stats_tls is set.
func (n *Node) useStatsTLS(srv *admin.Server) {
	if n.sec.stats != nil {
		srv.UseTLS(n.sec.stats.ServerConfig())
	}
}
