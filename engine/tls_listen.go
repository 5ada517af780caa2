package engine

import (
	"context"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/inbound"
)

// TLS on the node's listeners: with client_tls (peer_tls), the client
// listener (dyn_listen) is the plain one, and each connection it accepts
// gets a TLS layer (inbound.TLSConn, engine/inbound's tls.go) in
// onClientPrepare (onPeerPrepare): its handshake runs on a goroutine of
// its own, bounded by the node's timeout (5 s when unset), and only then
// is the connection registered. The listeners' TLS state is n.sec's
// clientSide and peerSide (secure_node.go).

// listenClients binds the client listener (plain netpoll; with client_tls
// its connections get a TLS layer in onClientPrepare).
func (n *Node) listenClients(a conf.Addr) (netpoll.Listener, error) {
	if n.sec.client != nil {
		n.sec.clientSide.Config = n.sec.client.ServerConfig()
	}
	return netpoll.CreateListener(a.Network, a.String())
}

// listenPeers binds dyn_listen with the configured backlog (plain netpoll;
// with peer_tls its connections get a TLS layer in onPeerPrepare).
func (n *Node) listenPeers(a conf.Addr) (netpoll.Listener, error) {
	if n.sec.peer != nil {
		n.sec.peerSide.Config = n.sec.peer.ServerConfig()
	}
	return listenBacklog(a, n.cfg.Pool.Backlog)
}

// prepareTLS sets up a connection accepted on the TLS listener of side
// and starts its handshake.
func (n *Node) prepareTLS(nc netpoll.Connection, side *inbound.TLSSide) context.Context {
	t := side.Accept(&n.in, nc)
	if t == nil {
		return context.Background()
	}
	return context.WithValue(context.Background(), clientKey{}, t)
}

// useStatsTLS makes the stats endpoint serve HTTPS when stats_tls is set.
func (n *Node) useStatsTLS(srv *admin.Server) {
	if n.sec.stats != nil {
		srv.UseTLS(n.sec.stats.ServerConfig())
	}
}
