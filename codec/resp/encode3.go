package resp

import (
	"math"
	"strconv"
)

// Encoders for replies the node builds itself (merged multi-key replies,
// HELLO, CLIENT INFO, errors) in the protocol its client chose with HELLO:
// each takes proto (2 or 3; anything but 3 means RESP2) and writes what
// redis-server 7.0 writes to a client of that protocol.
//
//	           RESP3           RESP2
//	map        %n              *2n (key, value, key, value ...)
//	set        ~n              *n
//	push       >n              *n
//	null       _               $-1   (a missing value)
//	null array _               *-1   (a timed-out blocking pop)
//	double     ,1.5            $3 1.5 (%.17g, "inf", "-inf")
//	boolean    #t #f           :1 :0
//	verbatim   =n txt:...      $n ... (the text without its format)
//
// Errors, integers, bulk and simple strings are the same in both; use
// AppendError, AppendInt, AppendBulk, AppendSimple.

// AppendMap appends the header of a map of n key-value pairs; the caller
// appends 2n values (key, value, ...).
func AppendMap(dst []byte, n int, proto int) []byte {
	if proto == 3 {
		return appendHeader(dst, '%', n)
	}
	return appendHeader(dst, '*', 2*n)
}

// AppendSet appends the header of a set of n elements.
func AppendSet(dst []byte, n int, proto int) []byte {
	if proto == 3 {
		return appendHeader(dst, '~', n)
	}
	return appendHeader(dst, '*', n)
}

// AppendPush appends the header of an out-of-band message of n elements
// (a pub/sub message); RESP2 sends it as an array.
func AppendPush(dst []byte, n int, proto int) []byte {
	if proto == 3 {
		return appendHeader(dst, '>', n)
	}
	return appendHeader(dst, '*', n)
}

// AppendNull appends a missing value: RESP3's null, RESP2's null bulk.
func AppendNull(dst []byte, proto int) []byte {
	if proto == 3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, ReplyNullBulk...)
}

// AppendNullArray appends a missing aggregate: RESP3's null, RESP2's null
// array.
func AppendNullArray(dst []byte, proto int) []byte {
	if proto == 3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "*-1\r\n"...)
}

// AppendDouble appends f as Redis 7.0 does: the shortest of C's "%.17g"
// forms, "inf" and "-inf", as a RESP3 double or a RESP2 bulk string.
func AppendDouble(dst []byte, f float64, proto int) []byte {
	var num [32]byte
	b := num[:0]
	switch {
	case math.IsInf(f, 1):
		b = append(b, "inf"...)
	case math.IsInf(f, -1):
		b = append(b, "-inf"...)
	case math.IsNaN(f):
		b = append(b, "nan"...)
	default:
		b = strconv.AppendFloat(b, f, 'g', 17, 64)
	}
	if proto == 3 {
		dst = append(dst, ',')
		dst = append(dst, b...)
		return append(dst, '\r', '\n')
	}
	return AppendBulk(dst, b)
}

// AppendBool appends b as a RESP3 boolean or a RESP2 integer 1 or 0.
func AppendBool(dst []byte, b bool, proto int) []byte {
	switch {
	case proto == 3 && b:
		return append(dst, "#t\r\n"...)
	case proto == 3:
		return append(dst, "#f\r\n"...)
	case b:
		return append(dst, ":1\r\n"...)
	}
	return append(dst, ":0\r\n"...)
}

// AppendVerbatim appends text as a RESP3 verbatim string of format (three
// bytes: "txt", "mkd") or a RESP2 bulk string of text alone.
func AppendVerbatim(dst []byte, format string, text []byte, proto int) []byte {
	if proto != 3 {
		return AppendBulk(dst, text)
	}
	if len(format) != 3 {
		panic("BUG: verbatim format must be three bytes: " + format)
	}
	dst = appendHeader(dst, '=', len(text)+4)
	dst = append(dst, format...)
	dst = append(dst, ':')
	dst = append(dst, text...)
	return append(dst, '\r', '\n')
}
