package dedicated

import (
	"bytes"
	"strconv"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// Replication of blocking pops. A blocking command runs on the owner of
// its key in the local rack only; when it returns data, the same change is
// sent to the other racks as an ordinary write:
//
//	BLPOP/BRPOP k.. t         [k, e]         -> LPOP/RPOP k
//	BZPOPMIN/BZPOPMAX k.. t   [k, m, score]  -> ZREM k m
//	BLMOVE s d from to t      e              -> LMOVE s d from to
//	BRPOPLPUSH s d t          e              -> RPOPLPUSH s d
//	BLMPOP t n k.. dir ..     [k, [e..]]     -> LPOP/RPOP k count
//	BZMPOP t n k.. dir ..     [k, [[m,s]..]] -> ZREM k m..
//
// XREAD BLOCK reads only; XREADGROUP BLOCK changes the group in the local
// rack only (docs/compat.md).

var pops = map[string]bool{
	"blpop": true, "brpop": true, "bzpopmin": true, "bzpopmax": true,
	"blmove": true, "brpoplpush": true, "blmpop": true, "bzmpop": true,
}

// popFixup is the fixup of blocking command args: a copy of args when its
// result is replicated, none otherwise.
func popFixup(args [][]byte) fixup {
	if !pops[string(bytes.ToLower(args[0]))] {
		return fixup{}
	}
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	cp := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		cp[i] = buf[len(buf)-len(a):]
	}
	cp[0] = bytes.ToLower(cp[0])
	return fixup{kind: fixPop, args: cp}
}

// popWrite appends to dst the write that repeats, on another rack, what
// the blocking command args did when it returned reply r; nil when it
// did nothing (timeout, error). key is the write's key.
func popWrite(dst []byte, args [][]byte, r []byte) (frame, key []byte) {
	var rd resp.ArrayReader
	next := func() []byte {
		e, _ := rd.Next()
		b, _ := bulkBody(e)
		return b
	}
	switch string(args[0]) {
	case "blpop", "brpop":
		if rd.Reset(r) != nil || rd.Len() != 2 {
			return nil, nil
		}
		k := next()
		return resp.AppendCommand(dst, []byte(args[0][1:]), k), k
	case "bzpopmin", "bzpopmax":
		if rd.Reset(r) != nil || rd.Len() != 3 {
			return nil, nil
		}
		k, m := next(), next()
		return resp.AppendCommand(dst, []byte("zrem"), k, m), k
	case "blmove":
		if _, ok := bulkBody(r); !ok || len(args) != 6 {
			return nil, nil
		}
		return resp.AppendCommand(dst, []byte("lmove"), args[1], args[2], args[3], args[4]), args[1]
	case "brpoplpush":
		if _, ok := bulkBody(r); !ok || len(args) != 4 {
			return nil, nil
		}
		return resp.AppendCommand(dst, []byte("rpoplpush"), args[1], args[2]), args[1]
	case "blmpop", "bzmpop":
		return mpopWrite(dst, args, r)
	}
	return nil, nil
}

// mpopWrite is popWrite for BLMPOP and BZMPOP.
func mpopWrite(dst []byte, args [][]byte, r []byte) (frame, key []byte) {
	var rd, inner, pair resp.ArrayReader
	if rd.Reset(r) != nil || rd.Len() != 2 {
		return nil, nil
	}
	e, _ := rd.Next()
	k, ok := bulkBody(e)
	list, _ := rd.Next()
	if !ok || inner.Reset(list) != nil || inner.Len() < 1 {
		return nil, nil
	}
	if string(args[0]) == "blmpop" {
		nk, err := strconv.Atoi(string(args[2]))
		if err != nil || 3+nk >= len(args) {
			return nil, nil
		}
		pop := "lpop"
		if bytes.EqualFold(args[3+nk], []byte("right")) {
			pop = "rpop"
		}
		return resp.AppendCommand(dst, []byte(pop), k, strconv.AppendInt(nil, int64(inner.Len()), 10)), k
	}
	members := [][]byte{[]byte("zrem"), k}
	for i := 0; i < inner.Len(); i++ {
		pe, err := inner.Next()
		if err != nil || pair.Reset(pe) != nil || pair.Len() < 1 {
			return nil, nil
		}
		m, _ := pair.Next()
		b, ok := bulkBody(m)
		if !ok {
			return nil, nil
		}
		members = append(members, b)
	}
	return resp.AppendCommand(dst, members...), k
}
