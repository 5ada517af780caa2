package session

import (
	"bytes"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// Replies whose RESP3 shape depends on the arguments, and the flat
// shapes (an array of bulks) that carry doubles.

var (
	withScores = map[*resp.Command]bool{} // pairs when WITHSCORES is given
	popCount   = map[*resp.Command]bool{} // pairs when a count is given
	wordScores = []byte("withscores")
	wordValues = []byte("withvalues")
	wordIncr   = []byte("incr")

	cmdHRandField, cmdZAdd *resp.Command
)

func init() {
	for _, name := range []string{
		"zrange", "zrangebyscore", "zrevrange", "zrevrangebyscore",
		"zunion", "zinter", "zdiff", "zrandmember",
	} {
		if c := resp.Lookup([]byte(name)); c != nil {
			withScores[c] = true
		}
	}
	cmdHRandField, cmdZAdd = resp.Lookup([]byte("hrandfield")), resp.Lookup([]byte("zadd"))
	for _, name := range []string{"zpopmin", "zpopmax"} {
		if c := resp.Lookup([]byte(name)); c != nil {
			popCount[c] = true
		}
	}
}

// ShapeFor is the shape of the reply to request args of command cmd:
// ShapeOf, refined by the arguments that change it (WITHSCORES, a pop's
// count). It allocates nothing.
func ShapeFor(cmd *resp.Command, args [][]byte) Shape {
	if cmd == nil {
		return ShapeAsIs
	}
	if withScores[cmd] {
		for _, a := range args[1:] {
			if bytes.EqualFold(a, wordScores) {
				return ShapePairs
			}
		}
		return ShapeAsIs
	}
	if popCount[cmd] {
		if len(args) > 2 {
			return ShapePairs
		}
		return ShapeFlatScores
	}
	switch cmd {
	case cmdHRandField:
		if len(args) > 3 && bytes.EqualFold(args[3], wordValues) {
			return ShapeBulkPairs
		}
	case cmdZAdd:
		// INCR takes one score and member, after the options.
		for i := 2; i < len(args)-2; i++ {
			if bytes.EqualFold(args[i], wordIncr) {
				return ShapeDouble
			}
		}
	}
	return shapes[cmd]
}

// appendFlat converts reply, which must be an array of bulks and null
// bulks, as shape ShapeDoubles, ShapePairs, ShapeBulkPairs or
// ShapeFlatScores. It reports false, with dst
// unchanged in content, when reply is anything else.
func appendFlat(dst, reply []byte, sh Shape) ([]byte, bool) {
	start := len(dst)
	n, i, ok := header(reply, 0, '*')
	grouped := sh == ShapePairs || sh == ShapeBulkPairs
	if !ok || n < 0 || ((grouped || sh == ShapeFlatScores) && n%2 != 0) {
		return dst, false
	}
	if grouped {
		dst = resp.AppendArray(dst, n/2)
	} else {
		dst = resp.AppendArray(dst, n)
	}
	for k := 0; k < n; k++ {
		l, next, ok := header(reply, i, '$')
		if !ok || (l >= 0 && next+l+2 > len(reply)) {
			return dst[:start], false
		}
		if grouped && k%2 == 0 {
			dst = append(dst, "*2\r\n"...)
		}
		switch {
		case l < 0:
			dst = append(dst, "_\r\n"...)
			i = next
			continue
		case sh == ShapeDoubles || (k%2 == 1 && sh != ShapeBulkPairs):
			dst = append(dst, ',')
			dst = append(dst, reply[next:next+l]...)
			dst = append(dst, "\r\n"...)
		default:
			dst = append(dst, reply[i:next+l+2]...)
		}
		i = next + l + 2
	}
	if i != len(reply) {
		return dst[:start], false
	}
	return dst, true
}

// header parses the line at b[i:] of type t: its length (-1 for a null)
// and the offset after the line.
func header(b []byte, i int, t byte) (n, next int, ok bool) {
	if i >= len(b) || b[i] != t {
		return 0, 0, false
	}
	j := i + 1
	neg := false
	if j < len(b) && b[j] == '-' {
		neg = true
		j++
	}
	digits := 0
	for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		if digits++; digits > 10 {
			return 0, 0, false
		}
		n = n*10 + int(b[j]-'0')
	}
	if digits == 0 || j+1 >= len(b) || b[j] != '\r' || b[j+1] != '\n' {
		return 0, 0, false
	}
	if neg {
		if n != 1 {
			return 0, 0, false
		}
		n = -1
	}
	return n, j + 2, true
}
