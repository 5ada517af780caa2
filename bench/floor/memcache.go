package floor

import (
	"bytes"
	"strconv"
)

// maxMCLine bounds a memcached command or reply line, as memcached's own
// 2048-byte read buffer does for a key of 250 bytes and its arguments.
const maxMCLine = 2048

// mcLine returns the length of the line at the front of b, \r\n included:
// 0 while incomplete, -1 when too long or not ended by \r\n.
func mcLine(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		if len(b) > maxMCLine {
			return -1
		}
		return 0
	}
	if i == 0 || b[i-1] != '\r' {
		return -1
	}
	return i + 1
}

// mcField returns the n-th space-separated field of line (0-based).
func mcField(line []byte, n int) []byte {
	for f := range bytes.FieldsSeq(line) {
		if n == 0 {
			return f
		}
		n--
	}
	return nil
}

// mcBlock returns the size of the data block announced by field n of line
// (a storage command's or a VALUE line's byte count), -1 when it is not a
// count memcached would take.
func mcBlock(line []byte, n int) int {
	v, err := strconv.Atoi(string(mcField(line, n)))
	if err != nil || v < 0 || v > maxBulk {
		return -1
	}
	return v
}

// MCRequestLen is the length of the complete memcached text request at the
// front of b: a line, and for a storage command its data block. It is 0
// while incomplete and -1 for a request the floor cannot forward (malformed,
// or noreply, whose missing reply would break the in-order matching).
func MCRequestLen(b []byte) int {
	l := mcLine(b)
	if l <= 0 {
		return l
	}
	line := b[:l-2]
	if bytes.HasSuffix(line, []byte(" noreply")) {
		return -1
	}
	switch string(mcField(line, 0)) {
	case "set", "add", "replace", "append", "prepend", "cas":
		n := mcBlock(line, 4)
		if n < 0 {
			return -1
		}
		if l+n+2 > len(b) {
			return 0
		}
		if b[l+n] != '\r' || b[l+n+1] != '\n' {
			return -1
		}
		return l + n + 2
	}
	return l
}

// MCReplyLen is the length of the complete memcached reply at the front of
// b: one line, or VALUE blocks up to END. It is 0 while incomplete and -1
// when b does not hold a reply.
func MCReplyLen(b []byte) int {
	off := 0
	for {
		l := mcLine(b[off:])
		if l <= 0 {
			return l
		}
		line := b[off : off+l-2]
		if !bytes.HasPrefix(line, []byte("VALUE ")) {
			if off == 0 {
				return l
			}
			if string(line) == "END" {
				return off + l
			}
			return -1
		}
		n := mcBlock(line, 3)
		if n < 0 {
			return -1
		}
		off += l + n + 2
		if off > len(b) {
			return 0
		}
		if b[off-2] != '\r' || b[off-1] != '\n' {
			return -1
		}
	}
}
