package resp

import "bytes"

// Reply scanning: find where one complete reply ends, without building it.
//
//	*2\r\n      $3\r\nfoo\r\n     *1\r\n      :1\r\n
//	push [2]    top 2 -> 1       push [1]    top 1 -> 0: pop; outer 1 -> 0: pop; empty: done
//
// Aggregates push their element count on an explicit stack (capped at
// Limits.MaxDepth), so nesting depth costs no Go stack and a hostile reply
// cannot overflow it. Every RESP2 type and the RESP3 types are understood:
//
//	line types:   + - : _ , # (          length types: $ ! =  (streamed "$?" / "*?" are refused)
//	aggregates:   * ~ >  (n elements)    % |  (n pairs; | is an attribute
//	                                      that precedes the value it annotates)

// frame is one open aggregate: how many elements it still expects.
type frame struct {
	left int64
	attr bool // an attribute: its completion does not complete a value
}

// ReplyScanner finds the end of one complete reply of any type and any
// nesting depth. It is resumable with the same buffer rule as Parser, belongs
// to one connection and is not safe for concurrent use. The zero value is
// ready and uses DefaultLimits.
type ReplyScanner struct {
	// Limits bound the reply: MaxBulk for bulk lengths, MaxDepth for nesting.
	Limits Limits

	line   int     // start of the header line being read
	pos    int     // next byte to examine
	inBulk bool    // a bulk payload of bulk bytes + CRLF starts at pos
	bulk   int64   // pending payload length
	stack  []frame // open aggregates
}

// Reset forgets a partly scanned reply.
func (s *ReplyScanner) Reset() {
	s.line, s.pos, s.inBulk, s.bulk = 0, 0, false, 0
	s.stack = s.stack[:0]
}

// Scan returns the length n of the complete reply at the start of buf, or
// 0 and ErrIncomplete when buf ends first (call again with the same start
// and more bytes; only new bytes are scanned), or 0 and a *ProtocolError
// when buf is not RESP (the scanner is reset; close the connection).
// Scan allocates only when a reply nests deeper than any before it.
func (s *ReplyScanner) Scan(buf []byte) (int, error) {
	lim := s.Limits.withDefaults()
	for {
		if s.inBulk {
			if int64(len(buf)-s.pos) < s.bulk+2 {
				return 0, ErrIncomplete
			}
			end := s.pos + int(s.bulk)
			if buf[end] != '\r' || buf[end+1] != '\n' {
				return s.fail(errReplyLine)
			}
			s.pos, s.line, s.inBulk = end+2, end+2, false
			if s.complete() {
				return s.done()
			}
			continue
		}
		cr := s.findCR(buf)
		if int64(max(cr, s.pos)-s.line) > lim.MaxBulk {
			return s.fail(errReplyLine) // a line longer than any value
		}
		if cr < 0 {
			return 0, ErrIncomplete
		}
		if buf[cr+1] != '\n' {
			return s.fail(errReplyLine)
		}
		whole, err := s.header(buf[s.line:cr], lim)
		if err != nil {
			return s.fail(err)
		}
		s.pos, s.line = cr+2, cr+2
		if whole && s.complete() {
			return s.done()
		}
	}
}

func (s *ReplyScanner) fail(err error) (int, error) {
	s.Reset()
	return 0, err
}

func (s *ReplyScanner) done() (int, error) {
	n := s.pos
	s.Reset()
	return n, nil
}

// complete records that one value ended and reports whether that was the
// last value of the reply.
func (s *ReplyScanner) complete() bool {
	for len(s.stack) > 0 {
		top := &s.stack[len(s.stack)-1]
		top.left--
		if top.left > 0 {
			return false
		}
		attr := top.attr
		s.stack = s.stack[:len(s.stack)-1]
		if attr {
			return false // the annotated value follows
		}
	}
	return true
}

// findCR looks for the '\r' ending the current line, scanning only bytes
// not seen before. It returns -1 when the line and its '\n' are not all in
// buf yet.
func (s *ReplyScanner) findCR(buf []byte) int {
	if s.pos >= len(buf) {
		return -1
	}
	i := bytes.IndexByte(buf[s.pos:], '\r')
	if i < 0 {
		s.pos = len(buf)
		return -1
	}
	cr := s.pos + i
	if cr+1 >= len(buf) {
		s.pos = cr
		return -1
	}
	return cr
}

// header interprets one header line (type byte included, CRLF excluded).
// It reports whether the line is a whole value; otherwise it armed a bulk
// payload or opened an aggregate (or read an attribute).
func (s *ReplyScanner) header(line []byte, lim Limits) (bool, error) {
	if len(line) == 0 {
		return false, errReplyType
	}
	t := line[0]
	switch t {
	case '+', '-', ',', '(', '#', '_':
		return true, nil
	case ':':
		if _, ok := parseInt(line[1:]); !ok {
			return false, errReplyInteger
		}
		return true, nil
	case '$', '!', '=':
		n, ok := parseInt(line[1:])
		if !ok || n < -1 || n > lim.MaxBulk || n == -1 && t != '$' {
			return false, errReplyLength
		}
		if n == -1 {
			return true, nil
		}
		s.inBulk, s.bulk = true, n
		return false, nil
	case '*', '~', '>', '%', '|':
		n, ok := parseInt(line[1:])
		if !ok || n < -1 || n > maxReplyElems || n == -1 && t != '*' {
			return false, errReplyLength
		}
		if t == '%' || t == '|' {
			n *= 2
		}
		if n <= 0 {
			return t != '|', nil // empty or null aggregate is a whole value
		}
		if len(s.stack) >= lim.MaxDepth {
			return false, errReplyDepth
		}
		s.stack = append(s.stack, frame{left: n, attr: t == '|'})
		return false, nil
	}
	return false, errReplyType
}

// maxReplyElems bounds a declared aggregate length only to keep the
// arithmetic safe; nothing is allocated per declared element.
const maxReplyElems = 1 << 40
