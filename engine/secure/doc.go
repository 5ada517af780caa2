// Package secure holds what the node needs to secure its links and its
// clients, apart from the request path: TLS configurations built from the
// conf blocks, with certificates that Reload swaps under live listeners
// (tlsconf.go); a Polled TLS connection, server side (a client, or a peer
// on dyn_listen) or client side (a dialled peer link), whose socket the
// node's event loop reads, encrypted and decrypted without a goroutine of
// its own once handshaken (polled.go); a bridge that terminates TLS on a
// standard net.Conn and hands the node a plain socket that netpoll can
// own, for the datastore's TLS and client tunnels (bridge.go); and the
// client user table with Redis's AUTH replies and a per-connection limiter
// of failed attempts (acl.go). Dynomite's own peer encryption is a codec
// (codec/dnode: Cipher, RSAKey); LoadPeerKey reads its key file.
//
// Imports: the standard library, conf and codec only; no other package of
// the engine, no netpoll.
//
// Concurrency: a Certs and a Table are safe for concurrent use (Reload may
// run while handshakes happen). A Limiter belongs to one connection.
// Bridge starts two goroutines per connection and ends them when either
// side closes. A Polled's handshake runs on one goroutine of its own;
// afterwards its input side and its output side each have one caller at
// a time.
package secure
