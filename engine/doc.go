// Package engine is the reactor of a dynomite-go node: the listeners, the
// accepted connections (clients, peers) and the dialled ones (datastore,
// peers), message and buffer pools, in-order reply queues, the forwarding
// queues, the end-of-callback batch, the router, timeouts and admission
// (max_msgs). It and its sub-packages are the only ones that touch netpoll;
// what it does to a socket or to netpoll itself (a non-blocking write, a
// close through shutdown, a half-closed client's duplicate, the dial, the
// busy-poll's look, netpoll's configuration) is package sock, which imports
// nothing of ours. It imports codec and conf (and, for the cluster, ring
// and replica), never cmd.
//
// docs/engine.md describes the connection model (accepted and dialled over
// one socket core, kinds as data), the batch and the router, and how a new
// role (a dedicated datastore connection for one client) fits in.
//
// # Goroutines
//
// netpoll runs pollers() poller goroutines (half the CPUs, at least one;
// Options.Pollers overrides) with an inline runner: OnRequest callbacks
// run on the poller itself, with no hop to a goroutine pool. Unless the
// environment sets GOMAXPROCS, the dynomite command sets it to the poller
// count for a node without peers (cmd/dynomite/procs.go): an idle P makes
// every idle turn of a poller move it to another thread.
// Besides the pollers the engine runs one writer goroutine per datastore connection,
// parked unless the datastore socket was full (it finishes partial writes),
// a goroutine per client only while that client's socket is full
// (slowFlush), and timer goroutines for timeouts and reconnects. Nothing that runs on a poller
// blocks on I/O: every write from a poller is one non-blocking write(2), and
// a connection is never closed from its own callback (closeLater).
//
// A callback may end with a bounded busy-poll (engine/core, spin.go): while at most one
// request is in flight and the node has at most four client connections
// per CPU, the poller looks at its own epoll instance with a zero timeout,
// for at most the spin budget (DYNOMITE_SPIN_US; 0 turns it off), before it
// returns to netpoll's loop, so that the reply or the client's next request
// is handled without the poller thread sleeping and being woken again.
// Spins that find nothing back off. Requests from peers never spin.
// On a node with an idle P (a node with peers) a callback then parks
// (engine/core, park.go): the poller waits for its next event in a raw
// epoll_pwait on its own epoll instance, bounded (DYNOMITE_PARK_MS; 0
// turns it off), instead of netpoll's loop yielding before it sleeps,
// which wakes another thread each time. A look or a park that finds
// several events ready lets the callbacks of those events end without
// looking again (core.Sock.AfterCallback).
// Datastore and peer connections are dialled by the engine (sock.Dial)
// so that netpoll polls every descriptor level-triggered, which the
// busy-poll relies on.
//
// # Life of a request
//
//	client socket
//	  │ netpoll reads; OnRequest on the client's poller
//	  ▼
//	inbound.Conn.OnInput ── carry + new bytes ── kind.consume ── parse
//	  │ per complete frame: Validate (unknown, arity), session (AUTH, HELLO,
//	  │ CLIENT, SELECT, NOAUTH, NOPERM, administration refused: engine/session),
//	  │ QUIT, conn_consistency, unsupported ── answered locally, in order ─┐
//	  │ Env.Dispatch: engine/route (Dispatch, Forward)                     │
//	  │ admit (max_msgs) ── refused: "-ERR Dynomite: too many requests..." ─┤
//	  ▼                                                                     │
//	forward: msg acquired, pushed on the client's pending (request order)   │
//	  │ frame bytes copied into the dialled conn's out, msg pushed on fifo  │
//	  │ datastore down: "-ERR Storage: Datastore refused connection" ───────┤
//	  ▼                                                                     │
//	send toward the datastore, one write per batch:                         │
//	  - connection idle (fifo was empty): written by the client's batch    │
//	    at the end of its input (engine/batch, WriteQueued)                 │
//	  - requests in flight: the reply path, at the end of each read of     │
//	    replies, writes everything all clients queued meanwhile at once     │
//	    (writeNow(writerReply)); no goroutine is woken                      │
//	  ▼                                                                     │
//	datastore replies; OnRequest on the dialled conn's poller               │
//	  │ kind.onInput: proto.scan (resumable), FIFO match (answerHead)       │
//	  ▼                                                                     │
//	Reply: reply copied to the client's out if its msg is the oldest       │
//	  │ pending (else kept in the msg until the older ones complete) ◄──────┘
//	  ▼
//	the read's batch flushes each client answered once: one non-blocking
//	write; the rest, if any, to slowFlush (netpoll Flush on its own
//	goroutine)
//
// The texts above are Redis's. The protocol (engine/route, proto.go) is chosen once per
// node by data_store: with memcached (engine/inbound's memcache.go) the parser, the reply
// scanner, the local error lines and the engine's errors ("SERVER_ERROR
// <source> <message>") change, and the path stays the same, except that
// consecutive single-key gets of one write leave as one multi-key get line
// and their replies are cut back per request (engine/outbound, memcache_batch.go).
//
// A client is pinned to one datastore connection (client id modulo
// datastore_connections), so FIFO matching on that connection keeps the
// client's replies in request order. Request bytes are copied, never
// re-encoded: netpoll v0.7.2's zero-copy Slice+Append panics, and copying a
// frame costs less than the write it joins.
//
// # Cluster
//
// With dyn_seeds the node is one of a ring (engine/cluster: a ring.Snapshot in
// an atomic.Pointer, seen by replica as its Topology). A single-node ring
// keeps the path above unchanged. Otherwise dispatch routes each request
// with replica.Route and tracks its replies with a replica.Tracker
// (engine/route): every target gets a copy msg queued exactly as above, on the
// local datastore's dialled conn or on a peer's, and the copy's reply goes
// to the request's fanout instead of a client; the winning reply answers
// the client's msg, so reply order, pipelining bounds and flushing are the
// single-node ones. A dialled peer conn is a dialled conn of the peer kind
// (same link, FIFO, coalesced writes, timeouts) that writes a dnode header
// before each request and matches replies by msg id; an accepted peer conn
// is an accepted conn of the peer kind that parses a dnode header before
// each request and puts a DMSG_RES header before each reply (peer.go,
// engine/inbound's dnode.go). Multi-key commands are split per local-rack owner by the
// protocol's split, each part routed on its own, and merged in key order
// (route_multi.go). One router serves Redis and memcached: the protocol
// supplies classes, keys, splits, merges and rewrites (engine/route, proto.go).
//
// # Failures
//
// Every datastore request has the `timeout` deadline, stamped when its
// batch is handed to the socket. The fifo is in send order with one
// timeout, so its head has the earliest deadline and one timer per
// connection suffices. On expiry the connection is closed, as C Dynomite
// does, and every request on it fails with "-ERR Storage: Datastore refused
// connection" (C uses STORAGE_CONNECTION_REFUSE for every request of a
// closed datastore connection, timeouts included). Reconnects back off 1 s,
// 2 s, 4 s ... capped at server_retry_timeout; meanwhile new requests fail
// at once with the same reply.
//
// Client errors: an unknown command, a wrong argument count
// or an unsupported command (blocking, pub/sub, transactions, connection
// state: they cannot share a pipelined datastore connection) get an error
// reply and the connection stays open (C Dynomite closes it). A malformed
// frame gets Redis's "-ERR Protocol error: ..." and the connection is closed
// once the reply is flushed; so is QUIT, after "+OK".
//
// # Memory
//
// Messages come from the Node's msg.Pool (engine/msg: Acquire, Release;
// under -race a released msg is poisoned), buffers from the node's buffer
// pool (Node.bufs, package engine/bufpool). Idle connections hold no
// buffers. max_msgs bounds the messages alive in the node: past it
// a request is answered "-ERR Dynomite: too many requests in flight" at
// once and nothing is closed. Per client, at most maxPipeline (32) requests
// are pending and at most unsentChunks × mbuf_size (4 MiB by default) of
// replies wait unsent; past either bound the client's input stays unparsed
// (the node stops reading requests from it) until the replies drain to half
// the bound, so a client that sends but never reads costs at most about
// 32 replies plus 4 MiB. netpoll keeps reading the socket, so a paused
// client that goes on sending more than pausedInputChunks × mbuf_size
// (64 MiB) is answered with an error and closed.
//
// # Concurrency
//
// A Node's exported methods may be called from any goroutine. Inside, the
// lock order is an accepted connection's input lock, then the mu or wmu
// of any connection; see conn.go.
//
// # Performance
//
// What the design guarantees, whatever the machine: the forward path
// (parse, route, copy, reply) allocates nothing in steady state, which the
// allocation tests pin; a request's bytes are copied once and never
// re-encoded; what clients queue for a datastore or peer connection while
// it has requests in flight leaves in one write after its next read of
// replies (the writer goroutine finishes what a full socket does not
// take); each client whose replies a read completes gets one non-blocking
// write for them. The figures this gives on a 2-vCPU machine, and how they
// were taken, are in the README (Benchmarks).
package engine
