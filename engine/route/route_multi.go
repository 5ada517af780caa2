package route

import (
	"sync"

	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/inbound"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/replica"
)

// Multi-key commands (docs/compat.md §4.5): the commands the table marks
// FlagMultiKey (MGET, MSET, DEL, EXISTS, TOUCH, UNLINK), when their keys
// have more than one owner in the local rack. The keys are grouped by
// local-rack owner with resp.Split; each part is routed like a request of
// its own (token of its first key, the connection's level, full fan-out
// and tracking) through a fanout whose answer goes to the multi instead of
// the client. When every part has answered, resp.Split.Merge builds the
// client's reply in the original key order (MGET: one array; DEL, EXISTS,
// TOUCH, UNLINK: the sum; MSET: +OK), or the first part's error.
//
// Parts and replies are held in pooled buffers of any size, so values
// spanning many reads and replies over mbuf_size split and merge as they
// are.

// multi is one split request.
type multi struct {
	mu      sync.Mutex
	node    *Router // whose pool mp belongs to; kept across reuse
	owner   *accepted
	m       *msg.Msg
	split   resp.Split
	mcs     mcSplit                    // memcached requests: memcache_route.go
	frames  *bytebufferpool.ByteBuffer // the encoded parts
	parts   []part                     // the parts, in frames
	kept    []*bytebufferpool.ByteBuffer
	replies [][]byte
	left    int
	wide    wide // a cluster-wide command's merge (route_keyspace.go)
}

// part is one sub-request of a split request: its frame (in multi.frames)
// and the local-rack owner of its keys.
type part struct {
	frame []byte
	owner int
}

// acquireMulti returns a cleared multi of n's pool.
func acquireMulti(n *Router) *multi {
	mp, _ := n.multis.Get().(*multi)
	if mp == nil {
		mp = &multi{node: n}
	}
	if mp.frames == nil {
		mp.frames = n.Core.Bufs.Get()
	}
	return mp
}

// resetPartTok sizes partTok for a ring of nodes nodes, every entry -1
// (no part for that node yet).
func resetPartTok(r *inbound.Scratch, nodes int) {
	if cap(r.PartTok) < nodes {
		r.PartTok = make([]int64, nodes)
	}
	r.PartTok = r.PartTok[:nodes]
	for i := range r.PartTok {
		r.PartTok[i] = -1
	}
}

// routeMulti splits the current request by local-rack owner, with the
// protocol's split, and routes every part like a request of its own. It
// reports false, doing nothing, when the request has a single owner or
// cannot be split; the caller routes it whole.
func (n *Router) routeMulti(c *accepted, t *topology, req replica.Request, frame []byte) bool {
	r := &c.Route
	resetPartTok(r, t.Nodes())
	if r.OwnerFn == nil {
		r.OwnerFn = func(key []byte) int { return localOwner(r, key) }
	}
	mp := acquireMulti(n)
	r.SplitRing = t.Snapshot
	parts := n.proto.split(c, mp)
	r.SplitRing = nil
	if parts < 2 {
		mp.release()
		return false
	}
	m := n.PushRouted(c, len(frame))
	if m == nil {
		mp.release()
		return true
	}
	statsFragments(c, parts)
	mp.owner, mp.m, mp.left = c, m, parts
	for len(mp.kept) < parts {
		mp.kept = append(mp.kept, nil)
		mp.replies = append(mp.replies, nil)
	}
	mp.kept, mp.replies = mp.kept[:parts], mp.replies[:parts]
	for i := range mp.parts {
		rq := req
		rq.Token = uint32(r.PartTok[mp.parts[i].owner])
		f := acquireFanout(n, t, c)
		f.multi, f.part = mp, i
		replica.Route(t, rq, &f.plan)
		launch(c, f, mp.parts[i].frame)
	}
	return true
}

// localOwner is the Split owner function of a connection with scratch r:
// the key's owner in the local rack; it notes the token of each owner's
// first key. Runs on the connection's input side.
func localOwner(r *inbound.Scratch, key []byte) int {
	t := r.SplitRing
	tok := t.Token(key)
	o := t.Owner(t.LocalDC(), t.LocalRack(), tok)
	if r.PartTok[o] < 0 {
		r.PartTok[o] = int64(tok)
	}
	return o
}

// answerPart takes the decided reply of part i; the last one merges and
// answers the client.
func (mp *multi) answerPart(i int, reply []byte, bt *batch.Batch) {
	b := mp.node.Core.Bufs.Get()
	b.B = append(b.B, reply...)
	mp.mu.Lock()
	mp.kept[i] = b
	mp.left--
	last := mp.left == 0
	mp.mu.Unlock()
	if !last {
		return
	}
	for j, k := range mp.kept {
		mp.replies[j] = k.B
	}
	out := mp.node.Core.Bufs.Get()
	var err error
	if mp.wide.kind != wideNone {
		out.B, err = mp.wide.merge(mp, out.B)
	} else {
		out.B, err = mp.node.proto.merge(mp, out.B)
	}
	reply = out.B
	if err != nil {
		reply = mp.node.proto.badMerge
	}
	mp.owner.Reply(mp.m, reply, bt)
	mp.node.Core.Bufs.Put(out)
	mp.release()
}

// release returns mp to the pool; mp must not be used afterwards.
func (mp *multi) release() {
	for i, b := range mp.kept {
		mp.node.Core.Bufs.Put(b)
		mp.kept[i] = nil
		mp.replies[i] = nil
	}
	mp.kept, mp.replies = mp.kept[:0], mp.replies[:0]
	mp.owner, mp.m, mp.left, mp.wide = nil, nil, 0, wide{}
	clear(mp.parts)
	mp.parts = mp.parts[:0]
	if mp.frames != nil && cap(mp.frames.B) > 1<<20 {
		mp.node.Core.Bufs.Put(mp.frames)
		mp.frames = nil
	}
	mp.node.multis.Put(mp)
}
