package engine

import (
	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/replica"
)

// Memcached requests in a cluster: the coordinator of route.go, fed with
// what the memcached request says (write or read class, first key), and
// the split of get, gets, gat and gats over their local-rack owners (docs/compat.md
// §4.5), merged back with one END and the VALUE blocks in key order by
// memcache.Splitter. C Dynomite crashes on a split get; here a part is an
// ordinary routed request of its own.

// mcSplit is the memcached side of a split request (multi.mcs).
type mcSplit struct {
	split memcache.Splitter
	// req is the request as Merge needs it: its command and its keys,
	// copied to keys, since the client's input is gone when replies come.
	req  memcache.Request
	keys []byte
	offs []int // scratch: end of each part in multi.frames
}

// keep copies the command and keys of r.
func (s *mcSplit) keep(r *memcache.Request) {
	s.keys = s.keys[:0]
	for _, k := range r.Keys {
		s.keys = append(s.keys, k...)
	}
	s.req.Cmd, s.req.Keys = r.Cmd, s.req.Keys[:0]
	off := 0
	for _, k := range r.Keys {
		s.req.Keys = append(s.req.Keys, s.keys[off:off+len(k):off+len(k)])
		off += len(k)
	}
}

// classifyReq is classify for the node's protocol.
func (c *conn) classifyReq(t *topology) replica.Request {
	if c.node.proto.memcache {
		return c.classifyMemcache(t)
	}
	return c.classify(t)
}

// classifyMemcache derives what the coordinator needs from the current
// memcached request: its class, the token of its first key (keyless
// requests stay local) and the connection's level for the class.
func (c *conn) classifyMemcache(t *topology) replica.Request {
	r := &c.mc.req
	var req replica.Request
	req.Write = r.Cmd.Is(memcache.FlagWrite)
	if key := r.Key(); len(key) > 0 {
		req.Token = t.Token(key)
	} else {
		req.Routing = replica.RouteLocalOnly
	}
	req.Level = c.rlevel
	if req.Write {
		req.Level = c.wlevel
	}
	return req
}

// routeMemcache routes the current memcached request through the
// coordinator.
func (c *conn) routeMemcache(t *topology, frame []byte) {
	r := &c.mc.req
	req := c.classifyMemcache(t)
	if c.node.adminMode > 0 && r.Cmd == memcache.CmdDelete {
		c.adminDelete(t, r.Key(), frame)
		return
	}
	if r.Cmd.Is(memcache.FlagMultiKey) && len(r.Keys) > 1 && c.routeMultiMemcache(t, req, len(frame)) {
		return
	}
	m := c.pushRouted(len(frame))
	if m == nil {
		return
	}
	m.mute = c.mc.mute
	f := acquireFanout(t, c)
	f.m = m
	replica.Route(t, req, &f.plan)
	c.launch(f, frame)
}

// routeMultiMemcache splits the current retrieval, of size bytes, by
// local-rack owner and routes every part. It reports false, doing nothing,
// when all keys have one owner; the caller routes the request whole.
func (c *conn) routeMultiMemcache(t *topology, req replica.Request, size int) bool {
	r := &c.mc.req
	c.resetPartTok(t.Nodes())
	if c.ownerFn == nil {
		c.ownerFn = c.localOwner
	}
	mp := acquireMulti(c.node)
	s := &mp.mcs
	c.splitTopo = t
	frags := s.split.Split(r, c.ownerFn)
	c.splitTopo = nil
	if len(frags) < 2 {
		mp.release()
		return false
	}
	m := c.pushRouted(size)
	if m == nil {
		mp.release()
		return true
	}
	c.statsFragments(len(frags))
	mp.isMC = true
	s.keep(r)
	mp.frames.B, s.offs = mp.frames.B[:0], s.offs[:0]
	for i := range frags {
		mp.frames.B = memcache.AppendFragment(mp.frames.B, r, &frags[i])
		s.offs = append(s.offs, len(mp.frames.B))
	}
	mp.owner, mp.m, mp.left = c, m, len(frags)
	for len(mp.kept) < len(frags) {
		mp.kept = append(mp.kept, nil)
		mp.replies = append(mp.replies, nil)
	}
	mp.kept, mp.replies = mp.kept[:len(frags)], mp.replies[:len(frags)]
	from := 0
	for i := range frags {
		part := req
		part.Token = uint32(c.partTok[frags[i].Owner])
		f := acquireFanout(t, c)
		f.multi, f.part = mp, i
		replica.Route(t, part, &f.plan)
		c.launch(f, mp.frames.B[from:s.offs[i]])
		from = s.offs[i]
	}
	return true
}

// peerMemcache parses and handles the memcached payload of a peer frame
// (rolePeerIn) at the front of buf. It returns the bytes used, or false
// when the payload is incomplete. Errors are answered in memcached's form,
// under the frame's dnode header, as for a client.
func (c *conn) peerMemcache(buf []byte) (int, bool) {
	c.curID, c.sameDC = c.hdr.MsgID, c.hdr.SameDC
	n, res := parseMemcache(c, buf)
	switch res {
	case parseMore:
		return 0, false
	case parseClose:
		c.node.log.Warn("closing peer connection: bad request payload", "peer", c.nc.RemoteAddr().String())
		return len(buf), true
	case parseFrame:
		c.handlePeerMemcache(buf[:n], c.hdr.Type)
	}
	return n, true
}

// handlePeerMemcache executes one memcached request from a peer: DMSG_REQ
// on the local datastore, DMSG_REQ_FORWARD as the coordinator of this DC
// (docs/compat.md §4.3 step 7).
func (c *conn) handlePeerMemcache(frame []byte, t dnode.Type) {
	if c.mc.req.Cmd == memcache.CmdQuit {
		c.local(memcache.ReplyError) // a peer has nothing to quit
		return
	}
	if t == dnode.TypeReq {
		c.forward(frame)
		return
	}
	c.routeForwarded(frame)
}
