package repair

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// ErrReply: a repairable read's reply is not [status, ts, value].
var ErrReply = errors.New("repair: not a timestamped reply")

// Reply is a repairable read's reply from one replica.
type Reply struct {
	Status byte   // 'E' exists, 'R' removed (a tombstone), 'X' no metadata
	TS     uint64 // the metadata timestamp, ms; 0 for 'X'
	Value  []byte // the value element as the client sees it (a view)
}

// ParseReply reads "*3 status ts value" as the read scripts return it;
// ts is a bulk or an integer of decimal digits.
func ParseReply(r []byte) (Reply, error) {
	var a resp.ArrayReader
	if err := a.Reset(r); err != nil || a.Len() != 3 {
		return Reply{}, ErrReply
	}
	st, err1 := a.Next()
	ts, err2 := a.Next()
	v, err3 := a.Next()
	if err1 != nil || err2 != nil || err3 != nil {
		return Reply{}, ErrReply
	}
	if len(st) != 7 || st[0] != '$' || st[1] != '1' || !bytes.ContainsAny(st[4:5], "ERX") {
		return Reply{}, ErrReply
	}
	digits := ts[1 : len(ts)-2]
	if ts[0] == '$' {
		i := bytes.IndexByte(ts, '\n')
		digits = ts[i+1 : len(ts)-2]
	} else if ts[0] != ':' {
		return Reply{}, ErrReply
	}
	n, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil {
		return Reply{}, ErrReply
	}
	return Reply{Status: st[4], TS: n, Value: v}, nil
}

// Decision is the outcome of a repairable read.
type Decision struct {
	Repair bool   // some replica is stale; false: use the checksum logic
	Winner int    // index of the freshest reply (when Repair)
	ByAdd  bool   // the winner holds the value ('E'): repair by writing it, else by deleting
	Stale  []bool // per reply: needs the repair write
}

// Decide picks, as C does, the reply with the largest timestamp among the
// good replies, in arrival order. 'X' replies take no part (they are never
// marked stale). A reply older than the largest seen so far is stale; when
// a larger one arrives, the previous winner becomes stale, but replies that
// tied with it do not (C's behaviour, kept for equal repairs).
func Decide(replies []Reply) Decision {
	d := Decision{Winner: -1, Stale: make([]bool, len(replies))}
	var biggest uint64
	for i, r := range replies {
		if r.Status == 'X' {
			continue
		}
		switch {
		case r.TS > biggest:
			if d.Winner >= 0 {
				d.Stale[d.Winner], d.Repair = true, true
			}
			biggest, d.Winner, d.ByAdd = r.TS, i, r.Status == 'E'
		case r.TS < biggest:
			d.Stale[i], d.Repair = true, true
		}
	}
	return d
}

// repairs maps a repairable read to its repair writes (by add, by rem).
var repairs = map[string][2]string{
	"GET":       {"SET", "DEL"},
	"HGET":      {"HSET", "HDEL"},
	"SISMEMBER": {"SADD", "SREM"},
	"ZSCORE":    {"ZADD", "ZREM"},
}

// RepairArgs returns the write that repairs a stale replica of the read
// args (name, key[, field]) from the winning reply: SET key value, HSET
// key field value, SADD key member, ZADD key score member, or the matching
// delete. Send it through AppendEval with ts = winner.TS. It returns nil
// for a read that is not repairable or a winner value it cannot carry.
func RepairArgs(args [][]byte, winner Reply, byAdd bool) [][]byte {
	if len(args) < 2 {
		return nil
	}
	name := string(bytes.ToUpper(args[0]))
	w, ok := repairs[name]
	if !ok || name != "GET" && len(args) < 3 {
		return nil
	}
	if !byAdd {
		return append([][]byte{[]byte(w[1])}, args[1:]...)
	}
	switch name {
	case "GET", "HGET", "ZSCORE":
		v, ok := bulk(winner.Value)
		if !ok {
			return nil
		}
		switch name {
		case "GET":
			return [][]byte{[]byte(w[0]), args[1], v}
		case "HGET":
			return [][]byte{[]byte(w[0]), args[1], args[2], v}
		}
		return [][]byte{[]byte(w[0]), args[1], v, args[2]}
	}
	return [][]byte{[]byte(w[0]), args[1], args[2]}
}

// bulk returns the payload of a complete non-null bulk.
func bulk(v []byte) ([]byte, bool) {
	if len(v) < 5 || v[0] != '$' || v[1] == '-' {
		return nil, false
	}
	i := bytes.IndexByte(v, '\n')
	return v[i+1 : len(v)-2], true
}

// AppendCleanup appends the best-effort tombstone cleanup C sends once
// every replica answered a delete (DEL, HDEL, SREM, ZREM):
//
//	EVAL script 3 key ._add-set ._rem-set UNKNOWN nfields ts [field]
//
// with the first field only, and the sets not swapped. It reports false
// for any other command.
func AppendCleanup(dst, script []byte, args [][]byte, ts uint64) ([]byte, bool) {
	if len(args) < 2 {
		return dst, false
	}
	var fields [][]byte
	switch string(bytes.ToUpper(args[0])) {
	case "DEL":
	case "HDEL", "SREM", "ZREM":
		if len(args) < 3 {
			return dst, false
		}
		fields = args[2:3]
	default:
		return dst, false
	}
	var num [20]byte
	dst = resp.AppendArray(dst, 9+len(fields))
	dst = resp.AppendBulkString(dst, "EVAL")
	dst = resp.AppendBulk(dst, script)
	dst = resp.AppendBulkString(dst, "3")
	dst = resp.AppendBulk(dst, args[1])
	dst = resp.AppendBulkString(dst, AddSet)
	dst = resp.AppendBulkString(dst, RemSet)
	dst = resp.AppendBulkString(dst, "UNKNOWN")
	dst = resp.AppendBulk(dst, strconv.AppendInt(num[:0], int64(len(fields)), 10))
	dst = resp.AppendBulk(dst, strconv.AppendUint(num[:0], ts, 10))
	for _, f := range fields {
		dst = resp.AppendBulk(dst, f)
	}
	return dst, true
}
