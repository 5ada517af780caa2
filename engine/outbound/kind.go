package outbound

import (
	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/secure"
	"github.com/dynomite-go/dynomite/replica"
)

// Conn is a connection the node dialled: to its datastore or to a peer.
type Conn struct {
	core.Sock
	env  *Env
	kind *Kind

	scanner resp.ReplyScanner
	mc      mcOut // memcached reply state (scan.go)
	dparser dnode.Parser
	hdr     dnode.Header
	timerAt int64 // a peer's: when the armed timer fires (node clock)
	// sess encrypts a secured peer link (nil: plain): requests under mu,
	// replies on the reader.
	sess *secure.Session

	server // request queue and writer, guarded by mu
}

// Kind is what a dialled connection is: to the datastore or to a peer.
type Kind struct {
	Name string // in logs: "datastore" or "peer"
	// OnInput is the framer and matcher of its replies.
	OnInput func(s *Conn, b []byte)
	// Peer: requests are framed in dnode headers, replies matched by id,
	// deadlines set when queued, and the queue is bounded.
	Peer bool
	// FailCode fails the requests on the connection when it closes.
	FailCode replica.Code
}

// newConn wraps a dialled netpoll connection of kind k.
func newConn(env *Env, k *Kind, nc netpoll.Connection) *Conn {
	s := &Conn{kind: k, env: env}
	s.Init(env.Core, nc, env.Shard())
	s.scanner.Limits = resp.DefaultLimits
	if env.ReplyLimits.MaxBulk > 0 {
		s.scanner.Limits = env.ReplyLimits
	}
	s.mc.scanner.Limits = env.MCLimits
	return s
}
