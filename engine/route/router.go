// Package route is a node's router: a request is classified by the
// node's protocol, planned by replica.Route on the published topology,
// fanned out to the local datastore and the peers, and its replies are
// merged into the client's one answer. One router serves Redis and
// memcached (Proto), clients and peers' forwarded requests.
package route

import (
	"sync"
	"sync/atomic"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/cluster"
	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/inbound"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/outbound"
	"github.com/dynomite-go/dynomite/replica"
)

type (
	accepted = inbound.Conn
	topology = cluster.Topology
)

// Env is what the router uses of its node. The node fills it before
// Init and changes none of it afterwards; the values behind its pointers
// change at run time.
type Env struct {
	Core  *core.Env
	Msgs  *msg.Pool
	Links []*outbound.Link // the local datastore's, by a client's Pin
	// Links3 are RESP3 twins of Links (Lazy: dialled on first need), nil
	// for memcached: a RESP3 client's request on the single-node path
	// goes there once it is up, and its reply passes unconverted.
	Links3 []*outbound.Link
	// Topo is the published topology (solo: single-node path).
	Topo      *atomic.Pointer[topology]
	PeerStats *PeerCounters
	State     *atomic.Uint32 // admin.State of the local node
	Repairs   *atomic.Bool   // read repairs enabled
	RLevel    *atomic.Uint32 // replica.Level reads default to
	WLevel    *atomic.Uint32 // replica.Level writes default to
	// ReadRepairs counts the repairs read repair sent.
	ReadRepairs *atomic.Int64
	// Refused counts requests refused at max_msgs (MaxMsgs).
	Refused   *atomic.Int64
	MaxMsgs   int64
	AdminMode int // the -x flag (admin_mode.go)
	// Hinting: writes keep their frame for a hint (hinted handoff on).
	Hinting bool
	// HintWrite records a hint for the copy of a write to tg that failed;
	// called under the fan-out's lock, only on a failure.
	HintWrite func(t *topology, tg replica.Target, frame []byte)
}

// Router routes the requests of one node. Its methods may be called from
// any goroutine once Init has run.
type Router struct {
	Env
	proto proto // wire protocol of clients and datastore (proto.go)
	// cmdSmembers is rewritten to SORT ... ALPHA under DC_SAFE_QUORUM.
	cmdSmembers *resp.Command
	// cmdEval is refused when its keys have several local-rack owners.
	cmdEval *resp.Command
	fanouts sync.Pool // of *fanout (route.go)
	multis  sync.Pool // of *multi (route_multi.go)
}

// Init sets the router's protocol (conf.DataStore); the node fills Env
// before the router routes anything.
func (n *Router) Init(dataStore int) {
	n.proto = newProto(dataStore)
	n.cmdSmembers = resp.Lookup([]byte("smembers"))
	n.cmdEval = resp.Lookup([]byte("eval"))
}

// admit takes one of max_msgs for a forwarded request.
func (n *Router) admit() bool {
	if n.Core.Inflight.Add(1) > n.MaxMsgs {
		n.Core.Inflight.Add(-1)
		n.Refused.Add(1)
		return false
	}
	return true
}

// Fanout is a routed request, the msg.Owner of its copies.
type Fanout = fanout

// Owner is the connection whose request f is.
func (f *fanout) Owner() *accepted { return f.owner }

// Start is the arrival clock of f's request while its copies are sent, 0
// after.
func (f *fanout) Start() int64 { return f.start.Load() }

// PeerCounters count what the peer side did besides forwarding
// (docs/compat.md §2.2 names: peer_mismatch_requests,
// remote_peer_dropped_requests, ...).
type PeerCounters struct {
	Mismatch       atomic.Int64 // replies whose id skipped the head request
	RemoteDropped  atomic.Int64 // remote-DC copies that no rack could take
	RemoteFailover atomic.Int64 // remote-DC copies sent to another rack
	Dropped        atomic.Int64 // swallowed copies not sent (peer down or queue full)
	Timeouts       atomic.Int64 // peer connections closed on a timeout
}

// TooManyMsgs is the reply to a request refused at max_msgs.
func (n *Router) TooManyMsgs() []byte { return n.proto.tooManyMsgs }

// ProbeFanout is a fan-out on t that sends nothing, for the node's tests
// of per-copy steps (ThrottleGo).
func (n *Router) ProbeFanout(t *topology) *Fanout { return &fanout{node: n, topo: t} }

// ThrottleGo applies the conn_msg_rate of target tg's peer to copy i of
// frame as the fan-out does, and reports whether it may be sent now.
func (f *fanout) ThrottleGo(i int, tg replica.Target, frame []byte) bool {
	return f.throttle(i, tg, frame) == throttleGo
}
