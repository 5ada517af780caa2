// Package session is a client connection's own state and the commands the
// node answers itself for it: authentication (AUTH, HELLO ... AUTH, the
// NOAUTH gate, a user's role: NOPERM), the protocol the client chose
// (HELLO 2 or 3), its name and id (CLIENT SETNAME, GETNAME, ID, INFO),
// SELECT 0, and the refusal of server administration commands.
//
// The node keeps one Env (NewEnv, from the configuration) and one State
// per client connection, and calls State.Gate once per valid Redis
// request before routing it: Gate either answers the request (the reply
// is appended to dst) or lets it go on. A connection that never
// authenticates, switches protocol or names itself pays one flag test per
// request: Gate allocates nothing.
//
// AppendRESP3 turns a RESP2 reply into what Redis sends a RESP3 client,
// by command (ShapeOf); the node does not call it yet.
//
// Memcached clients have no session: the memcached text protocol has no
// authentication, and the node does not add one.
//
// Imports: codec/resp, conf and engine/secure only; nothing of the node,
// no netpoll.
//
// Concurrency: an Env is read-only after NewEnv (its counter is atomic) and
// shared by every connection. A State belongs to its connection's input
// side (one goroutine at a time).
package session
