package engine

import (
	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/engine/tally"
)

// msg is one client request on its way through the engine, from the moment
// its frame is parsed on the client connection until its reply has been
// copied to the client's output. A msg sits in two queues at once: the
// client's reply queue (request order, which is reply order) and, while it
// waits for the datastore, the FIFO of the server connection it was written
// to. Replies are matched FIFO, so the server side needs no identifiers.
//
// Ownership: a msg belongs to whoever removed it last from a queue. The
// server connection pops it and completes it; the client pops it when its
// reply has been moved to the output buffer and then releases it. A msg
// must not be touched after release.
type msg struct {
	owner *accepted // client connection that sent the request

	// reply holds the reply bytes when the msg completes while an earlier
	// request of the same client is still pending (local error replies
	// behind forwarded requests). nil when the reply went straight to the
	// client's output.
	reply *bytebufferpool.ByteBuffer

	deadline int64 // unix nanoseconds after which the datastore has timed out; 0 until written
	done     bool  // the reply is known

	// Cluster (route.go, dnode.go). fan is set on a copy of a routed
	// request: its reply goes to the fanout, target idx, instead of owner.
	fan     *fanout
	idx     int32
	peerID  uint64 // dnode msg id: of the copy sent to a peer, or of the peer request answered
	write   bool   // a write (longer peer timeout)
	forward bool   // sent as DMSG_REQ_FORWARD

	// cmd is the memcached command of the request, for framing its reply;
	// mute drops what the client must not see of the reply (memcache.Mute).
	cmd  uint8
	mute memcache.Mute
	// batched marks a single-key get joined to a multi-key get line; its
	// reply is cut by the connection's memcache.GetBatch (memcache_batch.go).
	batched bool

	poison uint32 // msgLive while acquired; checked under -race

	st tally.Msg // stats bookkeeping (stats_hooks.go)
}

// acquireMsg returns a zeroed msg owned by c, from its node's pool.
func acquireMsg(c *accepted) *msg {
	m := c.node.msgs.Get().(*msg)
	checkReleased(m)
	m.poison = msgLive
	m.owner = c
	return m
}

// releaseMsg returns m to the pool. m must not be used afterwards.
func releaseMsg(m *msg) {
	checkLive(m)
	pool := &m.owner.node.msgs
	m.reset()
	poisonMsg(m)
	pool.Put(m)
}

// reset clears every field.
func (m *msg) reset() {
	if m.reply != nil {
		m.owner.node.bufs.Put(m.reply)
	}
	*m = msg{}
}

// setReply keeps a copy of b as m's reply and marks m done.
func (m *msg) setReply(b []byte) {
	if m.reply == nil {
		m.reply = m.owner.node.bufs.Get()
	}
	m.reply.B = append(m.reply.B[:0], b...)
	m.done = true
}
