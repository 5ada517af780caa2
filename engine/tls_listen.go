package engine

import (
	"net"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/secure"
)

// TLS on the node's listeners. With client_tls the client port (with
// peer_tls the peer port, mutual TLS) is a
// secure.Queue: crypto/tls accepts and handshakes on its own goroutines
// (each handshake bounded by the node's timeout, 5 s when unset) and the
// event loop takes the bridged plain sockets, so the request path is the
// plain one. A client that does not complete a handshake affects nobody
// else: its goroutine ends at the timeout and one log line says why.

// listenClients binds the client listener: plain netpoll, or TLS through
// a secure.Queue when client_tls is set.
func (n *Node) listenClients(a conf.Addr) (netpoll.Listener, error) {
	if n.sec.client == nil {
		return netpoll.CreateListener(a.Network, a.String())
	}
	return n.listenTLS(a, n.sec.client, "client")
}

// listenPeers binds dyn_listen: plain with the configured backlog, or,
// with peer_tls, TLS that requires and verifies the peer's certificate
// against the block's CA (a plain peer, or one with a certificate of
// another CA, fails its handshake and never reaches the event loop).
func (n *Node) listenPeers(a conf.Addr) (netpoll.Listener, error) {
	if n.sec.peer == nil {
		return listenBacklog(a, n.cfg.Pool.Backlog)
	}
	return n.listenTLS(a, n.sec.peer, "peer")
}

// listenTLS listens on a and serves TLS with certs; what is the role of
// the listener in log lines.
func (n *Node) listenTLS(a conf.Addr, certs *secure.Certs, what string) (netpoll.Listener, error) {
	ln, err := net.Listen(orDefault(a.Network, "tcp"), a.String())
	if err != nil {
		return nil, err
	}
	q, err := secure.NewQueue(ln, secure.Listener{
		Config:  certs.ServerConfig(),
		Timeout: dialTimeout(n.timeout),
		Failed: func(remote net.Addr, err error) {
			n.log.Info(what+" TLS handshake failed", "remote", remote.String(), "err", err)
		},
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	return q, nil
}

// useStatsTLS makes the stats endpoint serve HTTPS when stats_tls is set.
func (n *Node) useStatsTLS(srv *admin.Server) {
	if n.sec.stats != nil {
		srv.UseTLS(n.sec.stats.ServerConfig())
	}
}
