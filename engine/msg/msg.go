// Package msg is the engine's message: one request on its way through a
// node, from the moment its frame is parsed on an accepted connection
// until its reply has been given to whoever waits for it, and the pool
// messages come from. A Msg sits in two queues at once: its owner's reply
// queue (request order, which is reply order) and, while it waits for a
// reply, the FIFO of the dialled connection it was written to.
//
// Who gets the reply is the Msg's Owner: the client (or peer) connection
// that sent the request, or the fan-out of a routed request that sent a
// copy. A dialled connection completes a Msg through Owner.Answer without
// knowing which, so the outbound side imports neither the inbound side
// nor the router. The package knows no connection and no socket.
package msg

import (
	"sync"
	"sync/atomic"

	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/bufpool"
	"github.com/dynomite-go/dynomite/engine/tally"
	"github.com/dynomite-go/dynomite/replica"
)

// Owner is who gets a Msg's reply.
type Owner interface {
	// Answer gives m its reply: the reply bytes, or, when code is not
	// replica.NoError, the failure the engine made up (the owner frames
	// it). It runs on the poller of the connection m was queued on; b is
	// that callback's batch, which flushes what the answer makes ready.
	// After Answer the caller must not touch m.
	Answer(m *Msg, reply []byte, code replica.Code, b *batch.Batch)
}

// Msg is one request on its way through the engine.
//
// Ownership: a Msg belongs to whoever removed it last from a queue. The
// dialled connection pops it and completes it; the owner pops it when its
// reply has been moved to the output and then releases it. A Msg must not
// be touched after Release.
type Msg struct {
	// Owner gets the reply: the accepted connection that sent the
	// request, or, for a copy of a routed request, its fan-out.
	Owner Owner

	// Reply holds the reply bytes when the msg completes while an earlier
	// request of the same owner is still pending (local error replies
	// behind forwarded requests). nil when the reply went straight to the
	// owner's output.
	Reply *bytebufferpool.ByteBuffer

	Deadline int64 // node clock after which the request has timed out; 0 until written
	Done     bool  // the reply is known

	// Cluster. Idx is the target of a copy in its fan-out's plan.
	Idx     int32
	PeerID  uint64 // dnode msg id: of the copy sent to a peer, or of the peer request answered
	Write   bool   // a write (longer peer timeout)
	Forward bool   // sent as DMSG_REQ_FORWARD
	// Late: the peer's reply to this write came more than `timeout`
	// after it was queued (set by the peer connection before Answer).
	Late bool

	// Cmd is the memcached command of the request, for framing its reply;
	// Mute drops what the client must not see of the reply (memcache.Mute).
	Cmd  uint8
	Mute memcache.Mute
	// Batched marks a single-key get joined to a multi-key get line; its
	// reply is cut by the connection's memcache.GetBatch.
	Batched bool

	// RESP3 is, for a client that chose RESP3 (HELLO 3), 1 plus the
	// session.Shape of the request's reply, set when the request is
	// queued: the reply is converted as it is given to the client. 0 for
	// every other client: the reply goes as it is.
	RESP3 uint8

	St tally.Msg // stats bookkeeping

	pool   *Pool
	poison uint32 // msgLive while acquired; checked under -race
}

// Pool is a node's pool of messages. The zero value is not usable: set
// Bufs (the reply buffers' pool) before the first Acquire.
type Pool struct {
	Bufs *bufpool.Pool
	p    sync.Pool
	made atomic.Int64
}

// Made is the number of messages the pool has allocated.
func (p *Pool) Made() int64 { return p.made.Load() }

// Acquire returns a zeroed Msg owned by o.
func (p *Pool) Acquire(o Owner) *Msg {
	m, _ := p.p.Get().(*Msg)
	if m == nil {
		p.made.Add(1)
		m = new(Msg)
	}
	checkReleased(m)
	m.poison = msgLive
	m.pool = p
	m.Owner = o
	return m
}

// Release returns m to its pool. m must not be used afterwards.
func (m *Msg) Release() {
	checkLive(m)
	p := m.pool
	if m.Reply != nil {
		p.Bufs.Put(m.Reply)
	}
	*m = Msg{}
	poisonMsg(m)
	p.p.Put(m)
}

// SetReply keeps a copy of b as m's reply and marks m done.
func (m *Msg) SetReply(b []byte) {
	if m.Reply == nil {
		m.Reply = m.pool.Bufs.Get()
	}
	m.Reply.B = append(m.Reply.B[:0], b...)
	m.Done = true
}
