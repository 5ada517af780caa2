package route

import (
	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/replica"
)

// Memcached's part of routing (proto.go, route.go): what the router asks of
// the request being handled (c.MC()). get, gets, gat and gats split over
// their local-rack owners (docs/compat.md §4.5) and merge back with one END
// and the VALUE blocks in key order (memcache.Splitter). C Dynomite crashes
// on a split get; here a part is an ordinary routed request of its own.

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

// classifyMemcache derives what the coordinator needs from the current
// memcached request: its class, the token of its first key (keyless
// requests stay local) and the connection's level for the class.
func classifyMemcache(c *accepted, t *topology) replica.Request {
	r := c.MC()
	var req replica.Request
	req.Write = r.Cmd.Is(memcache.FlagWrite)
	if key := r.Key(); len(key) > 0 {
		req.Token = t.Token(key)
	} else {
		req.Routing = replica.RouteLocalOnly
	}
	req.Level = c.Level(req.Write)
	return req
}

func keyCountMemcache(c *accepted) int      { return len(c.MC().Keys) }
func keyMemcache(c *accepted, i int) []byte { return c.MC().Keys[i] }

// adminDeleteMemcache: admin mode restricts delete.
func adminDeleteMemcache(c *accepted) bool { return c.MC().Cmd == memcache.CmdDelete }

// multiKeyMemcache: the retrievals split per owner.
func multiKeyMemcache(c *accepted) bool { return c.MC().Cmd.Is(memcache.FlagMultiKey) }

// splitMemcache groups the keys of the current retrieval by c.Route.OwnerFn
// into parts encoded in mp.frames; it returns the number of parts.
func splitMemcache(c *accepted, mp *multi) int {
	r := c.MC()
	s := &mp.mcs
	frags := s.split.Split(r, c.Route.OwnerFn)
	if len(frags) < 2 {
		return len(frags)
	}
	s.keep(r)
	mp.frames.B, s.offs = mp.frames.B[:0], s.offs[:0]
	for i := range frags {
		mp.frames.B = memcache.AppendFragment(mp.frames.B, r, &frags[i])
		s.offs = append(s.offs, len(mp.frames.B))
	}
	mp.parts = mp.parts[:0]
	from := 0
	for i := range frags {
		mp.parts = append(mp.parts, part{frame: mp.frames.B[from:s.offs[i]], owner: frags[i].Owner})
		from = s.offs[i]
	}
	return len(mp.parts)
}

// mergeMemcache builds the client's reply of a split retrieval: the VALUE
// blocks in key order and one END.
func mergeMemcache(mp *multi, dst []byte) ([]byte, error) {
	return mp.mcs.split.Merge(dst, &mp.mcs.req, mp.replies)
}

// prepareMemcache: no memcached command is rewritten or refused by the
// cluster.
func prepareMemcache(_ *Router, _ *accepted, _ *topology, _ replica.Request, frame []byte) []byte {
	return frame
}
