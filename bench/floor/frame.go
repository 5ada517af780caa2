package floor

import "bytes"

// Bounds of what the floor accepts from a client, as Redis's own.
const (
	maxBulk = 512 << 20
	maxArgs = 1 << 20
)

// RequestLen is the length of the complete request at the front of b: a
// multibulk request or an inline command line. It is 0 while the request
// is incomplete and -1 when b does not start with a well-formed request.
func RequestLen(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	if b[0] != '*' {
		i := bytes.IndexByte(b, '\n')
		return i + 1 // 0 when incomplete
	}
	n, off := header(b)
	if off <= 0 {
		return off
	}
	if n < 0 || n > maxArgs {
		return -1
	}
	for ; n > 0; n-- {
		if off >= len(b) {
			return 0
		}
		if b[off] != '$' {
			return -1
		}
		l, h := header(b[off:])
		if h <= 0 {
			return h
		}
		if l < 0 || l > maxBulk {
			return -1
		}
		off += h + int(l) + 2
		if off > len(b) {
			return 0
		}
		if b[off-2] != '\r' || b[off-1] != '\n' {
			return -1
		}
	}
	return off
}

// ReplyLen is the length of the complete reply at the front of b, 0 while
// it is incomplete, -1 when it is not a RESP2 reply.
func ReplyLen(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	switch b[0] {
	case '+', '-', ':':
		i := bytes.IndexByte(b, '\n')
		return i + 1
	case '$':
		l, h := header(b)
		if h <= 0 || l < 0 {
			return h // $-1 is a whole nil reply
		}
		if h+int(l)+2 > len(b) {
			return 0
		}
		return h + int(l) + 2
	case '*':
		n, off := header(b)
		if off <= 0 || n < 0 {
			return off // *-1 is a whole nil array
		}
		for ; n > 0; n-- {
			l := ReplyLen(b[off:])
			if l <= 0 {
				return l
			}
			off += l
		}
		return off
	}
	return -1
}

// header parses "<type><integer>\r\n" and returns the integer and the
// header's length; the length is 0 when the line is incomplete and -1
// when it is malformed. A nil length (-1) returns n -1 with the length.
func header(b []byte) (n int64, length int) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		if len(b) > 32 {
			return 0, -1
		}
		return 0, 0
	}
	if i < 3 || b[i-1] != '\r' {
		return 0, -1
	}
	digits := b[1 : i-1]
	neg := digits[0] == '-'
	if neg {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return 0, -1
	}
	for _, d := range digits {
		if d < '0' || d > '9' {
			return 0, -1
		}
		n = n*10 + int64(d-'0')
	}
	if neg {
		if n != 1 {
			return 0, -1
		}
		n = -1
	}
	return n, i + 1
}
