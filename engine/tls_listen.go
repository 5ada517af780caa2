package engine

import (
	"errors"
	"io"
	"net"
	"sync/atomic"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/inbound"
	"github.com/dynomite-go/dynomite/engine/secure"
)

// TLS on the node's listeners. crypto/tls accepts and handshakes on its own
// goroutines (each handshake bounded by the node's timeout, 5 s when
// unset); a client that does not complete a handshake affects nobody else:
// its goroutine ends at the timeout, one log line says why and the
// listener's handshake-failure counter counts it (a connection closed
// before it sent anything, such as a port probe, is logged only).
//
// With client_tls, a handshaken client is an inbound.Conn served by its
// handshake's goroutine (inbound.Conn.ServeStream over a secure.Stream):
// the goroutine reads and decrypts, the replies are encrypted and written
// by whoever flushes them, as a plain client's are written. netpoll's event
// loop only holds the listener (a secure.Queue that never yields a
// connection), so that starting and stopping the node are the plain ones.
// With peer_tls, the peer port's connections are bridged to plain sockets
// (secure.Bridge) that the peer event loop serves as plain ones.

// streamBuf is the read buffer of a TLS client: one TLS record's
// plaintext at most.
const streamBuf = 16 << 10

// listenClients binds the client listener: plain netpoll, or TLS when
// client_tls is set.
func (n *Node) listenClients(a conf.Addr) (netpoll.Listener, error) {
	if n.sec.client == nil {
		return netpoll.CreateListener(a.Network, a.String())
	}
	ln, err := net.Listen(orDefault(a.Network, "tcp"), a.String())
	if err != nil {
		return nil, err
	}
	return n.serveTLS(ln, n.sec.client, "client", &n.sec.clientFailed, n.serveTLSClient)
}

// listenPeers binds dyn_listen with the configured backlog: plain, or,
// with peer_tls, TLS that requires and verifies the peer's certificate
// against the block's CA (a plain peer, or one with a certificate of
// another CA, fails its handshake and never reaches the event loop).
func (n *Node) listenPeers(a conf.Addr) (netpoll.Listener, error) {
	if n.sec.peer == nil {
		return listenBacklog(a, n.cfg.Pool.Backlog)
	}
	ln, err := netListenBacklog(a, n.cfg.Pool.Backlog)
	if err != nil {
		return nil, err
	}
	return n.serveTLS(ln, n.sec.peer, "peer", &n.sec.peerFailed, nil)
}

// serveTLS serves TLS with certs on ln, which it owns: each handshaken
// connection goes to direct, or, when direct is nil, is bridged for the
// event loop. what is the listener's role in log lines; failed counts the
// failed handshakes.
func (n *Node) serveTLS(ln net.Listener, certs *secure.Certs, what string, failed *atomic.Int64,
	direct func(*secure.Stream)) (netpoll.Listener, error) {
	q, err := secure.NewQueue(ln, secure.Listener{
		Config:  certs.ServerConfig(),
		Timeout: dialTimeout(n.timeout),
		Direct:  direct,
		Failed: func(remote net.Addr, err error) {
			if !errors.Is(err, io.EOF) { // not a probe that connected and closed
				failed.Add(1)
			}
			n.log.Info(what+" TLS handshake failed", "remote", remote.String(), "err", err)
		},
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	return q, nil
}

// serveTLSClient serves a handshaken TLS client on its own goroutine until
// it is closed (or lingers, half-closed).
func (n *Node) serveTLSClient(st *secure.Stream) {
	c := inbound.NewStreamConn(&n.in, &n.in.Client, st, st.Fd(), st.TLS())
	if !n.register(c) {
		_ = st.Close()
		return
	}
	c.ServeStream(st, streamBuf)
}

// useStatsTLS makes the stats endpoint serve HTTPS when stats_tls is set.
func (n *Node) useStatsTLS(srv *admin.Server) {
	if n.sec.stats != nil {
		srv.UseTLS(n.sec.stats.ServerConfig())
	}
}
