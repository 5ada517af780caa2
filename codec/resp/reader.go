package resp

import "io"

// ArrayReader walks the elements of one complete aggregate reply without
// copying or allocating. It is what MGET merging uses:
//
//	*3\r\n $1\r\na\r\n $-1\r\n $1\r\nc\r\n
//	       ^ Next     ^ Next   ^ Next    -> io.EOF
//
// An ArrayReader is owned by one goroutine; reuse it with Reset.
type ArrayReader struct {
	buf  []byte
	pos  int
	n    int
	left int
	sc   ReplyScanner
}

// Reset points the reader at reply, which must hold one complete aggregate
// reply (* ~ > of n elements, % of n pairs read as 2n elements), and reads
// its header. A null array has Len -1 and no elements.
func (a *ArrayReader) Reset(reply []byte) error {
	a.buf, a.pos, a.n, a.left = reply, 0, 0, 0
	a.sc.Reset()
	cr := -1
	for i := 1; i+1 < len(reply); i++ {
		if reply[i] == '\r' {
			cr = i
			break
		}
	}
	if len(reply) == 0 || cr < 0 || reply[cr+1] != '\n' {
		return errReplyNotArray
	}
	t := reply[0]
	if t != '*' && t != '~' && t != '>' && t != '%' {
		return errReplyNotArray
	}
	n, ok := parseInt(reply[1:cr])
	if !ok || n < -1 || n > maxReplyElems || n == -1 && t != '*' {
		return errReplyLength
	}
	if t == '%' {
		n *= 2
	}
	a.n, a.left, a.pos = int(n), max(int(n), 0), cr+2
	return nil
}

// Len returns the number of elements the reply declared (-1 for a null
// array).
func (a *ArrayReader) Len() int { return a.n }

// Next returns the next element, the whole encoded value with its type
// byte and CRLF, as a sub-slice of the reply (valid as long as the reply
// is), or io.EOF after the last one, or a *ProtocolError when the reply is
// malformed or shorter than it declared.
func (a *ArrayReader) Next() ([]byte, error) {
	if a.left == 0 {
		return nil, io.EOF
	}
	n, err := a.sc.Scan(a.buf[a.pos:])
	if err == ErrIncomplete {
		a.sc.Reset()
		return nil, errReplyLength
	}
	if err != nil {
		a.sc.Reset()
		return nil, err
	}
	e := a.buf[a.pos : a.pos+n : a.pos+n]
	a.pos += n
	a.left--
	return e, nil
}

// parseIntReply returns n of a complete ":n\r\n" reply.
func parseIntReply(r []byte) (int64, bool) {
	if len(r) < 4 || r[0] != ':' || r[len(r)-2] != '\r' || r[len(r)-1] != '\n' {
		return 0, false
	}
	return parseInt(r[1 : len(r)-2])
}
