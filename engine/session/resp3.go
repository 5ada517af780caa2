package session

import (
	"errors"
	"strconv"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// RESP3 for a client that chose it with HELLO 3, from a reply the
// datastore (or a peer) gave in RESP2: the shapes Redis changes with the
// protocol, by command. The aggregates' elements keep their order and
// bytes; only type bytes and nulls change:
//
//	every null bulk ($-1) and null array (*-1), at any depth ─▶ _
//	Map commands (HGETALL, CONFIG GET ...): *2n ─▶ %n
//	Set commands (SMEMBERS, SINTER, SUNION, SDIFF): *n ─▶ ~n
//	Double commands (ZSCORE, ZINCRBY): $len text ─▶ ,text
//	Doubles (ZMSCORE): every bulk of the top-level array ─▶ ,text
//	Pairs (ZRANGE ... WITHSCORES): *2n flat ─▶ *n of *2 [member, ,score]
//
// Shapes Redis builds deeper inside other replies (XINFO maps) are left
// as RESP2 arrays.

// Shape is how a command's RESP2 reply becomes RESP3.
type Shape uint8

// The shapes.
const (
	ShapeAsIs       Shape = iota // nulls only
	ShapeMap                     // top-level array of pairs: a map
	ShapeSet                     // top-level array: a set
	ShapeDouble                  // top-level bulk: a double
	ShapeDoubles                 // top-level array of bulks: doubles
	ShapePairs                   // top-level flat array: [member, double] pairs
	ShapeBulkPairs               // top-level flat array: [field, value] pairs
	ShapeFlatScores              // top-level flat array: member, double, member, double
	numShapes
)

var shapes = map[*resp.Command]Shape{}

func init() {
	for name, sh := range map[string]Shape{
		"hgetall": ShapeMap, "config|get": ShapeMap,
		"smembers": ShapeSet, "sinter": ShapeSet, "sunion": ShapeSet, "sdiff": ShapeSet,
		"zscore": ShapeDouble, "zincrby": ShapeDouble, "zmscore": ShapeDoubles,
	} {
		args := [][]byte{[]byte(name)}
		if cmd, sub, ok := cut(name); ok {
			args = [][]byte{[]byte(cmd), []byte(sub)}
		}
		if c := resp.LookupArgs(args); c != nil {
			shapes[c] = sh
		}
	}
}

func cut(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '|' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// ShapeOf is the shape of cmd's reply.
func ShapeOf(cmd *resp.Command) Shape { return shapes[cmd] }

// errRESP2 means the reply is not a complete, well-formed RESP2 reply.
var errRESP2 = errors.New("session: cannot convert a reply that is not RESP2")

// AppendRESP3 appends reply, one complete RESP2 reply, as RESP3 with shape
// sh. A reply that is not what sh expects at its top keeps its type (an
// error stays an error); a malformed reply is an error and dst is
// returned unchanged.
func AppendRESP3(dst, reply []byte, sh Shape) ([]byte, error) {
	if sh == ShapeDoubles || sh == ShapePairs || sh == ShapeBulkPairs || sh == ShapeFlatScores {
		if out, ok := appendFlat(dst, reply, sh); ok {
			return out, nil
		}
		sh = ShapeAsIs
	}
	start := len(dst)
	top := true
	for i := 0; i < len(reply); {
		cr := i
		for cr+1 < len(reply) && !(reply[cr] == '\r' && reply[cr+1] == '\n') {
			cr++
		}
		if cr+1 >= len(reply) || cr == i {
			return dst[:start], errRESP2
		}
		line := reply[i:cr]
		next := cr + 2
		switch {
		case string(line) == "$-1" || string(line) == "*-1":
			dst = append(dst, "_\r\n"...)
		case line[0] == '$':
			n, err := strconv.Atoi(string(line[1:]))
			if err != nil || n < 0 || next+n+2 > len(reply) {
				return dst[:start], errRESP2
			}
			if top && sh == ShapeDouble {
				dst = append(dst, ',')
				dst = append(dst, reply[next:next+n]...)
				dst = append(dst, "\r\n"...)
			} else {
				dst = append(dst, reply[i:next+n+2]...)
			}
			next += n + 2
		case line[0] == '*' && top && sh == ShapeMap:
			n, err := strconv.Atoi(string(line[1:]))
			if err != nil || n%2 != 0 {
				return dst[:start], errRESP2
			}
			dst = resp.AppendMap(dst, n/2, 3)
		case line[0] == '*' && top && sh == ShapeSet:
			dst = append(dst, '~')
			dst = append(dst, line[1:]...)
			dst = append(dst, "\r\n"...)
		default:
			dst = append(dst, reply[i:next]...)
		}
		top = false
		i = next
	}
	return dst, nil
}
