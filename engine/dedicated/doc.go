// Package dedicated gives a client a datastore connection of its own for
// the commands that cannot share a pipelined one: blocking commands
// (BLPOP, BLMOVE, XREAD BLOCK, ...), pub/sub (SUBSCRIBE and friends) and
// transactions (MULTI/EXEC, WATCH). See docs/engine.md and docs/compat.md.
//
//	client ──▶ [inbound.Conn] ──Session.Request──▶ [outbound.Conn, dedicated] ──▶ redis
//	client ◀── Client.Relay ◀── Session.tunnel (replies and pushes, as they come)
//
// A Session is opened by the client's first dedicated command. When the
// client has no earlier request outstanding, it takes a spare connection
// dialled ahead of need (spare.go) and the command is written at once, so
// it reaches the datastore before other clients' later commands. Otherwise
// its connection is taken or dialled off the pollers once every earlier
// request of the client has been answered, so the dedicated command runs
// after them; requests the client sends meanwhile wait in a bounded queue. While the
// session lives, every request of the client goes through it and every
// byte of the datastore goes back to the client in order (a tunnel). The
// session follows the connection's state (subscriptions, MULTI, WATCH,
// replies outstanding) from the requests and the replies, and ends, closing
// its connection, when none is left; a close of the client closes it too.
// A reply the node must make up (a refused command) is produced in order
// by sending the datastore an unknown command, which also aborts a
// transaction, and replacing its error reply.
//
// Replication: a blocking pop that returned data, and a transaction that
// EXEC ran, are handed to Env.Replicate as one write for the other racks
// (pops.go, tx.go).
//
// Tunnels: a session whose keys another node of the local rack owns is
// opened with OpenTunnel instead of Open: its connection is a client
// tunnel to that node (outbound.Env.DialTunnel), which serves it as its
// own client's, replication included; such a session replicates nothing
// and takes no spare. Begin opens a session inside a MULTI the node has
// answered already (a MULTI held until the first keyed command names the
// owner).
//
// Imports: codec/resp, engine/batch, engine/msg and engine/outbound; never
// the node nor engine/inbound (a client is seen through Client).
//
// Concurrency: Request runs on the client's input side; the tunnel on the
// dedicated connection's poller; Close on the client's close. A Session's
// mutex orders them; it is taken before the client's and the dedicated
// connection's own locks, never after.
package dedicated
