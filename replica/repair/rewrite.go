package repair

import (
	"bytes"
	"strconv"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// The metadata sorted sets: top-level ones hold keys, "<set>_<key>" ones
// hold a key's fields or members; the score is the write's timestamp.
const (
	AddSet = "._add-set"
	RemSet = "._rem-set"
)

// Kind is the script a command is rewritten to (C's script per command).
type Kind uint8

const (
	KindNone Kind = iota // not rewritten
	KindSet              // SET
	KindGet              // GET
	KindDel              // DEL
	KindHSet             // HSET, HMSET
	KindHDel             // HDEL, SREM, ZREM
	KindHGet             // HGET, SISMEMBER, ZSCORE
	KindZAdd             // ZADD
	KindSAdd             // SADD
)

// shape is one row of the rewrite table: which arguments after the key
// are fields and values (C's cmd_info, for the commands it supports).
type shape struct {
	kind     Kind
	del      bool // a delete: the add and rem sets swap places in KEYS
	read     bool // a repairable read
	fields   int  // -1: every argument after the key; n > 0: the first n
	pairs    bool // arguments after the key alternate field, value (all of them)
	oneValue bool // one value, the first argument after the key (SET)
}

var shapes = map[string]shape{
	"SET":       {kind: KindSet, oneValue: true},
	"GET":       {kind: KindGet, read: true},
	"DEL":       {kind: KindDel, del: true},
	"HSET":      {kind: KindHSet, fields: 1, pairs: true},
	"HMSET":     {kind: KindHSet, fields: -1, pairs: true},
	"HDEL":      {kind: KindHDel, del: true, fields: -1},
	"SREM":      {kind: KindHDel, del: true, fields: -1},
	"ZREM":      {kind: KindHDel, del: true, fields: -1},
	"HGET":      {kind: KindHGet, read: true, fields: 1},
	"SISMEMBER": {kind: KindHGet, read: true, fields: 1},
	"ZSCORE":    {kind: KindHGet, read: true, fields: 1},
	"SADD":      {kind: KindSAdd, fields: -1},
	"ZADD":      {kind: KindZAdd},
}

// KindOf returns the script kind of a command (its name in any case), and
// KindNone for a command C does not rewrite.
func KindOf(name []byte) Kind {
	return shapes[string(bytes.ToUpper(name))].kind
}

// Repairable reports whether a read command's replies carry timestamps.
func Repairable(name []byte) bool { return shapes[string(bytes.ToUpper(name))].read }

// AppendEval appends the EVAL request C sends for the command args (name
// first) with timestamp ts, using script as the script body, and reports
// whether the command is rewritten at all. The layout is
//
//	EVAL script <1+2> key <add> <rem> NAME [nopts] nfields ts [opts] [field [value]]...
//
// where <add> <rem> are ._add-set ._rem-set, swapped for deletes; NAME is
// the upper-case name; nopts and opts only for ZADD (its leading NX, XX,
// INCR, CH); nfields is the number of fields (members) sent. Like C, only
// the first key of DEL, the first field and value of HSET and the value
// of SET (none of its options) are carried.
func AppendEval(dst, script []byte, args [][]byte, ts uint64) ([]byte, bool) {
	if len(args) < 2 {
		return dst, false
	}
	name := bytes.ToUpper(args[0])
	sh, ok := shapes[string(name)]
	if !ok {
		return dst, false
	}
	key, rest := args[1], args[2:]
	var opts, fields, values [][]byte
	switch {
	case sh.kind == KindZAdd:
		for len(opts) < len(rest) && isZAddOption(rest[len(opts)]) {
			opts = rest[:len(opts)+1]
		}
		fields, values = split(rest[len(opts):])
		fields, values = values, fields // ZADD key score member: the member is the field
	case sh.oneValue:
		if len(rest) == 0 {
			return dst, false
		}
		values = rest[:1]
	case sh.pairs:
		fields, values = split(rest)
		if sh.fields > 0 {
			fields, values = fields[:min(len(fields), sh.fields)], values[:min(len(values), sh.fields)]
		}
	case sh.fields == -1:
		fields = rest
	case sh.fields > 0:
		fields = rest[:min(len(rest), sh.fields)]
	}
	if sh.fields > 0 && len(fields) == 0 {
		return dst, false
	}
	add, rem := AddSet, RemSet
	if sh.del {
		add, rem = RemSet, AddSet
	}
	n := 2 + 1 + 1 + 2 + 3
	if sh.kind == KindZAdd {
		n += 1 + len(opts)
	}
	n += tokens(len(fields), len(values))
	var num [20]byte
	dst = resp.AppendArray(dst, n)
	dst = resp.AppendBulkString(dst, "EVAL")
	dst = resp.AppendBulk(dst, script)
	dst = resp.AppendBulkString(dst, "3")
	dst = resp.AppendBulk(dst, key)
	dst = resp.AppendBulkString(dst, add)
	dst = resp.AppendBulkString(dst, rem)
	dst = resp.AppendBulk(dst, name)
	if sh.kind == KindZAdd {
		dst = resp.AppendBulk(dst, strconv.AppendInt(num[:0], int64(len(opts)), 10))
	}
	dst = resp.AppendBulk(dst, strconv.AppendInt(num[:0], int64(len(fields)), 10))
	dst = resp.AppendBulk(dst, strconv.AppendUint(num[:0], ts, 10))
	for _, o := range opts {
		dst = resp.AppendBulk(dst, o)
	}
	return appendFieldsValues(dst, fields, values), true
}

// tokens is C's count of field and value tokens: pairs when both are
// present, else all of whichever is.
func tokens(nf, nv int) int {
	switch {
	case nf > 0 && nv > 0:
		return 2 * nf
	case nf > 0:
		return nf
	}
	return nv
}

func appendFieldsValues(dst []byte, fields, values [][]byte) []byte {
	if len(fields) == 0 {
		for _, v := range values {
			dst = resp.AppendBulk(dst, v)
		}
		return dst
	}
	for i, f := range fields {
		dst = resp.AppendBulk(dst, f)
		if len(values) > 0 {
			var v []byte
			if i < len(values) {
				v = values[i]
			}
			dst = resp.AppendBulk(dst, v)
		}
	}
	return dst
}

// split returns the even and odd elements of a.
func split(a [][]byte) (even, odd [][]byte) {
	for i, x := range a {
		if i%2 == 0 {
			even = append(even, x)
		} else {
			odd = append(odd, x)
		}
	}
	return even, odd
}

func isZAddOption(a []byte) bool {
	switch string(bytes.ToUpper(a)) {
	case "NX", "XX", "INCR", "CH":
		return true
	}
	return false
}
