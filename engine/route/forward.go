package route

import (
	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/replica"
)

// The single-node path: a request that goes to the local datastore as it
// is, with no fan-out (a solo node's requests, a peer's DMSG_REQ, the
// delete admin mode allows). Routing in a cluster is route.go.

// Forward sends the request frame of c to c's datastore connection.
// The frame's bytes are copied into the server's output; nothing else is
// kept, so the caller may reuse buf afterwards.
func (n *Router) Forward(c *accepted, frame []byte) {
	if n.rejectByState(c) {
		return
	}
	if !n.admit() {
		c.Local(n.proto.tooManyMsgs)
		return
	}
	m := n.Msgs.Acquire(c)
	m.Mute = c.Mute()
	c.StatsTag(m, len(frame))
	c.Push(m)
	lk := n.Links[c.Pin]
	if m.RESP3 != 0 && n.Links3 != nil {
		if l3 := n.Links3[c.Pin]; l3.Cur.Load() != nil {
			lk, m.RESP3 = l3, 0 // Redis answers in RESP3 itself
		} else {
			l3.StartLazy() // converted replies until it is up
		}
	}
	if !lk.Enqueue(frame, m, &c.B) {
		c.Reply(m, n.proto.codeReply(replica.StorageRefused), &c.B)
	}
}

// PeerRequest executes one request of the node's protocol from a peer
// (inbound.Env.Peer): DMSG_REQ on the local datastore without re-checking
// ownership, DMSG_REQ_FORWARD as the coordinator of this DC at DC_ONE
// (docs/compat.md §4.3 step 7).
func (n *Router) PeerRequest(c *accepted, frame []byte, t dnode.Type) {
	if t == dnode.TypeReq {
		n.Forward(c, frame)
		return
	}
	n.routeForwarded(c, frame)
}

// rejectByState answers the request of c with the invalid-state error
// when the node's state does not allow it on the local datastore (docs/compat.md
// §4.8): NORMAL executes everything; WRITES_ONLY and RESUMING execute
// writes only; STANDBY, and every other state (where C Dynomite stalls the
// request), execute nothing.
func (n *Router) rejectByState(c *accepted) bool {
	st := admin.State(n.State.Load())
	if st == admin.Normal {
		return false
	}
	var ok bool
	if c.ReqWrite() {
		ok = st.AllowsWrite()
	} else {
		ok = st.AllowsRead()
	}
	if ok {
		return false
	}
	c.Local(n.proto.codeReply(replica.InvalidState))
	return true
}
