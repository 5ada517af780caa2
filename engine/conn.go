package engine

import (
	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/engine/inbound"
	"github.com/dynomite-go/dynomite/engine/session"
)

// Connections by direction.
//
// Every connection has a socket core (core.Sock, package engine/core): the descriptor, the input
// carried between reads, the output buffer and who writes it, the close
// gate, the stats and the batch of its callbacks. On top of it:
//
//   - inbound.Conn: a connection a listener accepted, a client's or a
//     peer's (dyn_listen). Input is requests, output is replies in request
//     order, flushed once per batch (engine/inbound).
//   - outbound.Conn: a connection the node dialled, to its datastore or to a
//     peer. Input is replies matched to a FIFO of requests, output is the
//     requests of every client, written once per batch (engine/outbound).
//
// What a connection does with its bytes is its kind, data chosen when it is
// made (inbound.Kind, outbound.Kind: its framer and its handler), never a switch on a
// role. A dialled connection dedicated to one client (for MULTI, pub/sub
// or blocking commands) is one more use of dialled: see docs/engine.md.
//
// The node fills an inbound.Env (initInbound) and an outbound.Env (New);
// a client's or a peer's request reaches the node through Env.Dispatch
// (route.Router.Dispatch, engine/route) and Env.Peer (route.Router.PeerRequest).
//
// Locks, always taken in this order and never the other way: an accepted
// connection's input lock, then mu or wmu of any connection. mu is never held
// while taking another connection's mu, and never held across a call to
// netpoll's Close (whose close callback takes it).

// accepted is the node's name for a connection a listener accepted.
type accepted = inbound.Conn

// initInbound fills what the accepted connections use of n. Called by New
// once the stats are set up.
func (n *Node) initInbound() {
	n.in = inbound.Env{
		Core: &n.env, Log: n.log, Msgs: &n.msgs, Closing: &n.closing,
		MaxPipeline: n.maxPipeline, MaxUnsent: n.maxUnsent, MaxPausedInput: n.maxPausedInput,
		Timeout:  n.timeout,
		Memcache: n.rt.Memcache(), MCLimits: n.rt.MCLimits(),
		PeerKey: n.out.PeerKey, Chunk: n.out.Chunk,
		Shard: n.statsShard, Families: n.adm.families, Consistency: n.Consistency,
		CodeReply: n.rt.CodeReply,
		Dispatch:  n.rt.Dispatch, Peer: n.rt.PeerRequest, Closed: n.clientClosed,
		Dedicated: n.dedicated, RESP3: n.wantRESP3, Tunnel: n.acceptTunnel,
	}
	if !n.rt.Memcache() {
		n.in.Session = session.NewEnv(&n.cfg.Pool)
	}
	n.in.Init()
}

// wantRESP3 starts the RESP3 datastore connections of a single node when
// a client first says HELLO 3 (inbound.Env.RESP3): its requests get them
// once they are up.
func (n *Node) wantRESP3() {
	if t := n.cluster.topo.Load(); t != nil && t.Solo {
		for _, lk := range n.links3 {
			lk.StartLazy()
		}
	}
}

// newAccepted wraps an accepted netpoll connection of kind k.
func newAccepted(n *Node, k *inbound.Kind, nc netpoll.Connection) *accepted {
	return inbound.NewConn(&n.in, k, nc)
}

// clock is the node's clock: monotonic nanoseconds since the node was
// built, plus one so that 0 can mean "not read". Deadlines and the stats
// read it once per batch, never per request.
func (n *Node) clock() int64 { return n.env.Clock() }
