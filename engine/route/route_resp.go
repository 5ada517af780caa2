package route

import (
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/replica"
)

// Redis's part of routing (proto.go, route.go): what the router asks of the
// request being handled (c.Req), answered from the command table.

// classifyRESP derives what the coordinator needs from the parsed request:
// write or read (FlagWrite, or any keyed command that is not read-only,
// such as EVAL), the routing class from the command table, the level of
// the connection and the token of the first key. The key indexes are left
// in c.Route.KeyIdx for keyRESP.
func classifyRESP(c *accepted, t *topology) replica.Request {
	cmd := c.Req.Cmd
	c.Route.KeyIdx = cmd.Keys(c.Req.Args, c.Route.KeyIdx[:0])
	fl := cmd.Flags
	var r replica.Request
	r.Write = fl&resp.FlagWrite != 0 || (fl&resp.FlagRead == 0 && len(c.Route.KeyIdx) > 0)
	switch {
	case fl&resp.FlagAllNodes != 0:
		r.Routing = replica.RouteAllNodes
	case fl&resp.FlagLocalOnly != 0 || len(c.Route.KeyIdx) == 0:
		r.Routing = replica.RouteLocalOnly
	case fl&resp.FlagOwnerLocalRack != 0:
		r.Routing = replica.RouteOwnerLocalRack
	}
	if len(c.Route.KeyIdx) > 0 {
		r.Token = t.Token(c.Req.Args[c.Route.KeyIdx[0]])
	}
	r.Level = c.Level(r.Write)
	return r
}

// keyCountRESP is the number of keys classifyRESP found.
func keyCountRESP(c *accepted) int { return len(c.Route.KeyIdx) }

// keyRESP is the i-th key classifyRESP found.
func keyRESP(c *accepted, i int) []byte { return c.Req.Args[c.Route.KeyIdx[i]] }

// adminDeleteRESP: admin mode restricts DEL.
func adminDeleteRESP(c *accepted) bool { return c.Req.Cmd == adminDelCmd }

// adminDelCmd is Redis DEL.
var adminDelCmd = resp.Lookup([]byte("del"))

// multiKeyRESP: the command table marks the commands split per owner
// (MGET, MSET, DEL, EXISTS, TOUCH, UNLINK).
func multiKeyRESP(c *accepted) bool { return c.Req.Cmd.Flags&resp.FlagMultiKey != 0 }

// splitRESP groups the keys of c.Req by c.Route.OwnerFn into parts encoded in
// mp.frames; it returns the number of parts (0 when the request cannot be
// split).
func splitRESP(c *accepted, mp *multi) int {
	var err error
	mp.frames.B, err = mp.split.Split(mp.frames.B[:0], &c.Req, c.Route.OwnerFn)
	if err != nil {
		return 0
	}
	mp.parts = mp.parts[:0]
	for i := range mp.split.Parts {
		pt := &mp.split.Parts[i]
		mp.parts = append(mp.parts, part{frame: pt.Frame, owner: pt.Owner})
	}
	return len(mp.parts)
}

// mergeRESP builds the client's reply of a split request in the original
// key order (MGET: one array; DEL, EXISTS, TOUCH, UNLINK: the sum; MSET:
// +OK), or the first part's error.
func mergeRESP(mp *multi, dst []byte) ([]byte, error) { return mp.split.Merge(dst, mp.replies) }

// prepareRESP applies the cluster rules of single commands: an EVAL whose
// keys have several owners in the local rack is refused, as C Dynomite
// does (its script could not see all its keys on one datastore;
// docs/compat.md §8.3), and SMEMBERS under DC_SAFE_QUORUM becomes SORT key
// ALPHA (§3.4): every replica orders a set by its own hash seed, so the
// replies could never agree. It returns the frame to route, nil when the
// request was answered. A rewritten frame lives in c.rewrite until the
// next rewrite on this connection (enqueue copies it).
func prepareRESP(n *Router, c *accepted, t *topology, req replica.Request, frame []byte) []byte {
	switch cmd := c.Req.Cmd; {
	case cmd == n.cmdEval && n.spansNodes(c, t):
		c.Local(n.proto.codeReply(replica.ScriptSpansNodes))
		return nil
	case cmd == n.cmdSmembers && req.Level == replica.DCSafeQuorum:
		c.Route.Rewrite = resp.AppendSortAlpha(c.Route.Rewrite[:0], c.Req.Args[1])
		return c.Route.Rewrite
	}
	return frame
}
