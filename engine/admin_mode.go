package engine

import (
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/replica"
)

// adminDelCmd is Redis DEL, which (with memcached delete) admin mode (-x N, N > 0)
// restricts (docs/compat.md §4.7).
var adminDelCmd = resp.Lookup([]byte("del"))

// adminDel runs DEL in admin mode: on the local datastore when this node
// owns every key in its rack, else it is refused with
// "-ERR Dynomite: Invalid request in Dynomite's admin mode". Admin mode is
// how keys a node no longer owns are purged from its datastore.
func (c *conn) adminDel(t *topology, frame []byte) {
	dc, rack, self := t.LocalDC(), t.LocalRack(), t.LocalNode()
	for _, k := range c.keyIdx {
		if t.Owner(dc, rack, t.Token(c.req.Args[k])) != self {
			c.local(c.node.proto.codeReply(replica.InvalidAdminReq))
			return
		}
	}
	c.forward(frame)
}

// adminDelete is adminDel for memcached's delete of key.
func (c *conn) adminDelete(t *topology, key []byte, frame []byte) {
	if t.Owner(t.LocalDC(), t.LocalRack(), t.Token(key)) != t.LocalNode() {
		c.local(c.node.proto.codeReply(replica.InvalidAdminReq))
		return
	}
	c.forward(frame)
}
