package route

import (
	"github.com/dynomite-go/dynomite/replica"
)

// adminDel runs the delete that admin mode (-x N, N > 0; docs/compat.md
// §4.7) restricts, Redis DEL or memcached delete: on the local datastore
// when this node owns every key in its rack, else it is refused with
// "Invalid request in Dynomite's admin mode". Admin mode is how keys a
// node no longer owns are purged from its datastore.
func (n *Router) adminDel(c *accepted, t *topology, frame []byte) {
	p := &n.proto
	dc, rack, self := t.LocalDC(), t.LocalRack(), t.LocalNode()
	for i, keys := 0, p.keyCount(c); i < keys; i++ {
		if t.Owner(dc, rack, t.Token(p.key(c, i))) != self {
			c.Local(p.codeReply(replica.InvalidAdminReq))
			return
		}
	}
	n.Forward(c, frame)
}
