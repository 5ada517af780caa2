package route

import (
	"errors"
	"io"
	"math/rand/v2"
	"strconv"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/replica"
)

// Redis commands whose keys, or whose answer, span nodes (route.go's
// Dispatch hands them here first):
//
//	several keys, not split (FlagCrossSlot) ── owners differ in some rack ──▶ -CROSSSLOT, at once
//	                                        └─ one owner in every rack ─────▶ routed as usual
//	FLUSHALL, FLUSHDB ──────── every node of every rack and DC; the local reply answers
//	DBSIZE, KEYS, RANDOMKEY ── every node of the local rack ── merged: sum, union, one at random
//	SCAN cursor ────────────── one node of the local rack, chosen by the cursor ── cursor rewritten
//	INFO ───────────────────── the local datastore, plus a "# Dynomite" section
//
// The spanning commands run as a multi (route_multi.go) of one part per
// node, each part a fanout whose plan is that node alone; the multi's
// wide merge builds the client's reply.
//
// CROSSSLOT is checked in every rack, not only the local one: a write
// replicated to a rack whose nodes split its keys would land on the wrong
// node there. Hash tags (hash_tag: "{}") give keys one owner everywhere.
//
// The SCAN cursor a client sees is nodeCursor × R + i: i is the position,
// in the local rack, of the node being walked, R the rack's node count,
// nodeCursor that node's own cursor. When a node's cursor comes back 0 the
// walk moves to position i+1 (cursor i+1), and after the last node to 0.
// A cursor is meaningful only while the rack keeps its nodes.

// The commands of this file, looked up once.
var (
	cmdDBSize    = resp.Lookup([]byte("dbsize"))
	cmdKeys      = resp.Lookup([]byte("keys"))
	cmdRandomKey = resp.Lookup([]byte("randomkey"))
	cmdScan      = resp.Lookup([]byte("scan"))
	cmdFlushAll  = resp.Lookup([]byte("flushall"))
	cmdFlushDB   = resp.Lookup([]byte("flushdb"))
	cmdInfo      = resp.Lookup([]byte("info"))
)

// replyBadCursor is Redis's reply to a SCAN cursor that is not a number.
var replyBadCursor = []byte("-ERR invalid cursor\r\n")

// wideKind is how the parts of a spanning command merge.
type wideKind uint8

const (
	wideNone   wideKind = iota // not a spanning command: proto.merge
	wideSum                    // DBSIZE: integer sum
	wideUnion                  // KEYS: one array of every part's elements
	wideRandom                 // RANDOMKEY: a non-null reply at random
	wideScan                   // SCAN: the node's reply, cursor re-encoded
	wideInfo                   // INFO: the local reply plus a Dynomite section
)

// wide is the merge state of a spanning command (multi.wide).
type wide struct {
	kind wideKind
	// SCAN: position of the walked node in the local rack, and the
	// rack's node count.
	pos, nodes uint64
	// INFO: where this node sits.
	dc, rack string
	peers    int
}

// keyspace applies the rules above to c's request (classified as req). It
// reports true when it answered or routed the request; req may be
// adjusted (FLUSHALL's routing) when it reports false.
func (n *Router) keyspace(c *accepted, t *topology, req *replica.Request, frame []byte) bool {
	if n.proto.memcache {
		return false
	}
	cmd := c.Req.Cmd
	switch {
	case cmd.Flags&resp.FlagCrossSlot != 0 && len(c.Route.KeyIdx) > 1 && cmd != n.cmdEval:
		// EVAL keeps C Dynomite's own refusal (prepareRESP).
		if crossSlot(c, t) {
			c.Local(resp.ReplyCrossSlot)
			return true
		}
	case cmd == cmdFlushAll || cmd == cmdFlushDB:
		req.Routing, req.Write = replica.RouteAllNodes, true
	case cmd == cmdDBSize:
		n.routeWide(c, t, *req, frame, wide{kind: wideSum}, t.RackNodes(t.LocalDC(), t.LocalRack()))
		return true
	case cmd == cmdKeys:
		n.routeWide(c, t, *req, frame, wide{kind: wideUnion}, t.RackNodes(t.LocalDC(), t.LocalRack()))
		return true
	case cmd == cmdRandomKey:
		n.routeWide(c, t, *req, frame, wide{kind: wideRandom}, t.RackNodes(t.LocalDC(), t.LocalRack()))
		return true
	case cmd == cmdScan:
		n.routeScan(c, t, *req)
		return true
	case cmd == cmdInfo:
		return n.soloKeyspace(c, t, frame)
	}
	return false
}

// soloKeyspace is keyspace for a node that is the whole cluster (every
// spanning command but INFO is the datastore's own there). It reports
// true when it routed the request.
func (n *Router) soloKeyspace(c *accepted, t *topology, frame []byte) bool {
	if t == nil || n.proto.memcache || c.Req.Cmd != cmdInfo {
		return false
	}
	dc, rack := t.LocalDC(), t.LocalRack()
	w := wide{kind: wideInfo, dc: t.DCName(dc), rack: t.RackName(dc, rack), peers: t.Nodes() - 1}
	n.routeWide(c, t, replica.Request{}, frame, w, []int{t.Local()})
	return true
}

// crossSlot reports keys of c's request with different owners in some
// rack.
func crossSlot(c *accepted, t *topology) bool {
	args, idx := c.Req.Args, c.Route.KeyIdx
	tok0 := t.Token(args[idx[0]])
	for _, k := range idx[1:] {
		tok := t.Token(args[k])
		if tok == tok0 {
			continue
		}
		for dc := 0; dc < t.DCs(); dc++ {
			for rack := 0; rack < t.Racks(dc); rack++ {
				if t.Owner(dc, rack, tok) != t.Owner(dc, rack, tok0) {
					return true
				}
			}
		}
	}
	return false
}

// routeWide sends frame to each node of targets (one part each, that node
// alone, DC_ONE) and answers c with the parts merged by w.
func (n *Router) routeWide(c *accepted, t *topology, req replica.Request, frame []byte, w wide, targets []int) {
	m := n.PushRouted(c, len(frame))
	if m == nil {
		return
	}
	mp := acquireMulti(n)
	parts := len(targets)
	mp.owner, mp.m, mp.left, mp.wide = c, m, parts, w
	for len(mp.kept) < parts {
		mp.kept = append(mp.kept, nil)
		mp.replies = append(mp.replies, nil)
	}
	mp.kept, mp.replies = mp.kept[:parts], mp.replies[:parts]
	for i, node := range targets {
		rq := req
		rq.Routing, rq.Write = replica.RouteOwnerLocalRack, false
		rq.Token = t.Node(node).Tokens[0] // a node owns its own token
		if node == t.Local() {
			rq.Routing = replica.RouteLocalOnly
		}
		f := acquireFanout(n, t, c)
		f.multi, f.part = mp, i
		replica.Route(t, rq, &f.plan)
		launch(c, f, frame)
	}
}

// routeScan sends SCAN to the node its cursor names, with that node's
// cursor.
func (n *Router) routeScan(c *accepted, t *topology, req replica.Request) {
	cur, err := strconv.ParseUint(string(c.Req.Args[1]), 10, 64)
	if err != nil {
		c.Local(replyBadCursor)
		return
	}
	nodes := t.RackNodes(t.LocalDC(), t.LocalRack())
	r := uint64(len(nodes))
	pos := cur % r
	var num [20]byte
	args := c.Req.Args
	saved := args[1]
	args[1] = strconv.AppendUint(num[:0], cur/r, 10)
	c.Route.Rewrite = resp.AppendCommand(c.Route.Rewrite[:0], args...)
	args[1] = saved
	n.routeWide(c, t, req, c.Route.Rewrite, wide{kind: wideScan, pos: pos, nodes: r}, nodes[pos:pos+1])
}

// errWideReply: a part's reply is not of the shape its command returns.
var errWideReply = errors.New("engine: unexpected reply of a part of a cluster-wide command")

// merge builds the client's reply from the parts' replies (mp.replies):
// the first error reply of a part if any, else by w.kind.
func (w *wide) merge(mp *multi, dst []byte) ([]byte, error) {
	for _, r := range mp.replies {
		if len(r) > 0 && r[0] == '-' {
			return append(dst, r...), nil
		}
	}
	switch w.kind {
	case wideSum:
		return mergeSum(dst, mp.replies)
	case wideUnion:
		return mergeUnion(dst, mp.replies)
	case wideRandom:
		return mergeRandom(dst, mp.replies), nil
	case wideScan:
		return w.mergeScan(dst, mp.replies[0])
	case wideInfo:
		return w.mergeInfo(dst, mp.replies[0])
	}
	return dst, errWideReply
}

func mergeSum(dst []byte, replies [][]byte) ([]byte, error) {
	var sum int64
	for _, r := range replies {
		if len(r) < 4 || r[0] != ':' {
			return dst, errWideReply
		}
		v, err := strconv.ParseInt(string(r[1:len(r)-2]), 10, 64)
		if err != nil {
			return dst, errWideReply
		}
		sum += v
	}
	return resp.AppendInt(dst, sum), nil
}

func mergeUnion(dst []byte, replies [][]byte) ([]byte, error) {
	var ar resp.ArrayReader
	total := 0
	for _, r := range replies {
		if err := ar.Reset(r); err != nil {
			return dst, err
		}
		total += max(ar.Len(), 0)
	}
	dst = resp.AppendArray(dst, total)
	for _, r := range replies {
		_ = ar.Reset(r)
		for {
			e, err := ar.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return dst, err
			}
			dst = append(dst, e...)
		}
	}
	return dst, nil
}

// mergeRandom picks one of the non-null replies at random (a null bulk
// when every node is empty).
func mergeRandom(dst []byte, replies [][]byte) []byte {
	found := 0
	for _, r := range replies {
		if !isNull(r) {
			found++
		}
	}
	if found == 0 {
		return append(dst, replies[0]...)
	}
	pick := rand.IntN(found)
	for _, r := range replies {
		if isNull(r) {
			continue
		}
		if pick == 0 {
			return append(dst, r...)
		}
		pick--
	}
	return dst
}

func isNull(r []byte) bool {
	return len(r) >= 3 && (r[0] == '$' && r[1] == '-' || r[0] == '_')
}

// mergeScan re-encodes the cursor of one node's SCAN reply.
func (w *wide) mergeScan(dst, reply []byte) ([]byte, error) {
	var ar resp.ArrayReader
	if err := ar.Reset(reply); err != nil || ar.Len() != 2 {
		return dst, errWideReply
	}
	cb, err := ar.Next()
	if err != nil || len(cb) < 4 || cb[0] != '$' {
		return dst, errWideReply
	}
	keys, err := ar.Next()
	if err != nil {
		return dst, err
	}
	i := 1
	for i < len(cb) && cb[i] != '\r' {
		i++
	}
	nc, err := strconv.ParseUint(string(cb[i+2:len(cb)-2]), 10, 64)
	if err != nil {
		return dst, errWideReply
	}
	var next uint64
	switch {
	case nc != 0 && nc > (^uint64(0)-w.pos)/w.nodes:
		return dst, errWideReply // a node cursor too large to encode
	case nc != 0:
		next = nc*w.nodes + w.pos
	case w.pos+1 < w.nodes:
		next = w.pos + 1
	}
	var num [20]byte
	dst = resp.AppendArray(dst, 2)
	dst = resp.AppendBulk(dst, strconv.AppendUint(num[:0], next, 10))
	return append(dst, keys...), nil
}

// mergeInfo appends the "# Dynomite" section to the datastore's INFO.
func (w *wide) mergeInfo(dst, reply []byte) ([]byte, error) {
	i := 1
	for i < len(reply) && reply[i] != '\r' {
		i++
	}
	if len(reply) < i+4 || reply[0] != '$' {
		return dst, errWideReply
	}
	text := reply[i+2 : len(reply)-2]
	var sec []byte
	sec = append(sec, "\r\n# Dynomite\r\ndatacenter:"...)
	sec = append(sec, w.dc...)
	sec = append(sec, "\r\nrack:"...)
	sec = append(sec, w.rack...)
	sec = append(sec, "\r\npeers:"...)
	sec = strconv.AppendInt(sec, int64(w.peers), 10)
	sec = append(sec, "\r\n"...)
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(text)+len(sec)), 10)
	dst = append(dst, "\r\n"...)
	dst = append(dst, text...)
	dst = append(dst, sec...)
	return append(dst, "\r\n"...), nil
}
