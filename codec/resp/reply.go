package resp

import "bytes"

// Reply scanning: find where one complete reply ends, without building it.
//
//	*2\r\n      $3\r\nfoo\r\n     *1\r\n      :1\r\n
//	left 1->2   left 2->1        left 1->1   left 1->0: done
//
// The scanner does not track which aggregate an element belongs to, only
// how many values the reply still owes (left): a value header takes one,
// an aggregate of n elements adds n (a map or attribute of n pairs adds
// 2n), and the reply ends when a value completes with nothing owed. So
// nesting depth costs neither Go stack nor memory, and a reply nested as
// deeply as Redis ever sends (Lua's recursive tables reach about 8,000
// levels) scans like a flat one. Every RESP2 type and the RESP3 types
// are understood:
//
//	line types:   + - : _ , # (          length types: $ ! =  (streamed "$?" / "*?" are refused)
//	aggregates:   * ~ >  (n elements)    % |  (n pairs; | is an attribute
//	                                      that precedes the value it annotates)
//
// A reply that is valid RESP but breaks a limit (a bulk or a line longer
// than Limits.MaxBulk) is refused with ErrReplyTooLarge, not a protocol
// error: the connection stays in step, and Skip discards exactly that
// reply while the bytes arrive, holding none of them.

// ReplyScanner finds the end of one complete reply of any type and any
// nesting depth. It is resumable with the same buffer rule as Parser, belongs
// to one connection and is not safe for concurrent use. The zero value is
// ready and uses DefaultLimits.
type ReplyScanner struct {
	// Limits bound the reply: MaxBulk for bulk lengths and line lengths.
	Limits Limits

	line     int   // start of the header line being read
	pos      int   // next byte to examine
	inBulk   bool  // a bulk payload of bulk bytes + CRLF starts at pos
	bulk     int64 // pending payload length
	left     int64 // values the reply still owes; 0 before it starts
	skipping bool  // Skip is discarding a refused reply
	inLine   bool  // Skip is inside a long string line, up to its CRLF
}

// Reset forgets a partly scanned or skipped reply.
func (s *ReplyScanner) Reset() {
	*s = ReplyScanner{Limits: s.Limits}
}

// Skipping reports whether a refused reply is being discarded: Scan
// returned ErrReplyTooLarge and Skip has not reported its end yet.
func (s *ReplyScanner) Skipping() bool { return s.skipping }

// Scan returns the length n of the complete reply at the start of buf, or
// 0 and ErrIncomplete when buf ends first (call again with the same start
// and more bytes; only new bytes are scanned), or 0 and a *ProtocolError
// when buf is not RESP (the scanner is reset; close the connection), or 0
// and ErrReplyTooLarge when the reply is valid so far but breaks a limit:
// the connection is still in step; answer the request the reply belongs
// to with an error and call Skip with the same buffer start.
// Scan never allocates.
func (s *ReplyScanner) Scan(buf []byte) (int, error) {
	if s.skipping {
		return 0, ErrReplyTooLarge
	}
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
			if s.left == 0 {
				return s.done()
			}
			continue
		}
		cr := s.findCR(buf)
		if int64(max(cr, s.pos)-s.line) > lim.MaxBulk {
			if !stringLine(buf[s.line]) {
				return s.fail(errReplyLine) // a header longer than any value
			}
			s.start()
			s.left--
			s.skipping, s.inLine = true, true
			return 0, ErrReplyTooLarge
		}
		if cr < 0 {
			return 0, ErrIncomplete
		}
		if buf[cr+1] != '\n' {
			return s.fail(errReplyLine)
		}
		err := s.header(buf[s.line:cr], lim, false)
		s.pos, s.line = cr+2, cr+2
		if err == ErrReplyTooLarge {
			s.skipping = true
			return 0, err
		}
		if err != nil {
			return s.fail(err)
		}
		if !s.inBulk && s.left == 0 {
			return s.done()
		}
	}
}

// Skip discards the reply Scan refused with ErrReplyTooLarge. The first
// call gets the same buffer start as that Scan; each later call gets the
// bytes that follow the ones already dropped. Skip returns how many bytes
// n at the start of buf belong to the reply (drop them; the bytes after n,
// a partial header line at most, must start the next call's buffer), and
// done once the reply's last byte is among them: Scan then reads the next
// reply from buf[n:]. A *ProtocolError means the rest is not RESP (close
// the connection). Without a refused reply, Skip returns 0, true, nil.
// Skip never allocates and holds no bytes, however long the reply.
func (s *ReplyScanner) Skip(buf []byte) (n int, done bool, err error) {
	if !s.skipping {
		return 0, true, nil
	}
	lim := s.Limits.withDefaults()
	for {
		switch {
		case s.inBulk:
			k := min(int64(len(buf)-s.pos), s.bulk)
			s.pos += int(k)
			s.bulk -= k
			if s.bulk > 0 || len(buf)-s.pos < 2 {
				return s.dropped(s.pos), false, nil
			}
			if buf[s.pos] != '\r' || buf[s.pos+1] != '\n' {
				_, err := s.fail(errReplyLine)
				return 0, false, err
			}
			s.pos += 2
			s.line, s.inBulk = s.pos, false
		case s.inLine:
			i := bytes.IndexByte(buf[s.pos:], '\r')
			if i < 0 {
				return s.dropped(len(buf)), false, nil
			}
			cr := s.pos + i
			if cr+1 >= len(buf) {
				return s.dropped(cr), false, nil // keep the CR for its LF
			}
			if buf[cr+1] != '\n' {
				_, err := s.fail(errReplyLine)
				return 0, false, err
			}
			s.pos, s.line, s.inLine = cr+2, cr+2, false
		default:
			ok, err := s.skipHeader(buf, lim)
			if err != nil {
				_, err = s.fail(err)
				return 0, false, err
			}
			if !ok {
				return s.dropped(s.line), false, nil // keep the partial header line
			}
		}
		if !s.inBulk && !s.inLine && s.left == 0 {
			n := s.pos
			s.Reset()
			return n, true, nil
		}
	}
}

// skipHeader reads the header line at s.line in skip mode and reports
// whether it did: a string line becomes a long line consumed piecewise;
// any other header must be whole in buf, and fit in maxSkipHeader bytes.
func (s *ReplyScanner) skipHeader(buf []byte, lim Limits) (bool, error) {
	if s.line >= len(buf) {
		return false, nil
	}
	if stringLine(buf[s.line]) {
		s.start()
		s.left--
		s.pos, s.inLine = s.line+1, true
		return true, nil
	}
	i := bytes.IndexByte(buf[s.line:], '\r')
	if i > maxSkipHeader || i < 0 && len(buf)-s.line > maxSkipHeader {
		return false, errReplyLine
	}
	if i < 0 || s.line+i+1 >= len(buf) {
		return false, nil
	}
	cr := s.line + i
	if buf[cr+1] != '\n' {
		return false, errReplyLine
	}
	if err := s.header(buf[s.line:cr], lim, true); err != nil {
		return false, err
	}
	s.pos, s.line = cr+2, cr+2
	return true, nil
}

// maxSkipHeader bounds a length or integer header line in skip mode: the
// longest legal one ("*-9223372036854775808") is far shorter.
const maxSkipHeader = 64

// dropped rebases the scanner after the caller drops buf[:n].
func (s *ReplyScanner) dropped(n int) int {
	s.pos -= n
	s.line = max(s.line-n, 0)
	s.pos = max(s.pos, s.line)
	return n
}

// stringLine reports whether t starts a line whose content is free text of
// any length (a status, an error, a double, a big number, a boolean or a
// null): such a line longer than MaxBulk is a refused reply, not garbage.
func stringLine(t byte) bool {
	switch t {
	case '+', '-', ',', '(', '#', '_':
		return true
	}
	return false
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

// start begins a reply: it owes one value.
func (s *ReplyScanner) start() {
	if s.left == 0 {
		s.left = 1
	}
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

// header interprets one header line (type byte included, CRLF excluded)
// and counts it: a value takes one of the values owed, an aggregate adds
// its elements, a bulk arms its payload. A bulk longer than MaxBulk is
// armed all the same and reported as ErrReplyTooLarge unless skipping.
func (s *ReplyScanner) header(line []byte, lim Limits, skipping bool) error {
	if len(line) == 0 {
		return errReplyType
	}
	s.start()
	t := line[0]
	switch t {
	case '+', '-', ',', '(', '#', '_':
		s.left--
		return nil
	case ':':
		if _, ok := parseInt(line[1:]); !ok {
			return errReplyInteger
		}
		s.left--
		return nil
	case '$', '!', '=':
		n, ok := parseInt(line[1:])
		if !ok || n < -1 || n == -1 && t != '$' {
			return errReplyLength
		}
		s.left--
		if n == -1 {
			return nil
		}
		s.inBulk, s.bulk = true, n
		if n > lim.MaxBulk && !skipping {
			return ErrReplyTooLarge
		}
		return nil
	case '*', '~', '>', '%', '|':
		n, ok := parseInt(line[1:])
		if !ok || n < -1 || n > maxReplyElems || n == -1 && t != '*' {
			return errReplyLength
		}
		if t != '|' {
			s.left-- // an attribute annotates the value that follows it
		}
		if t == '%' || t == '|' {
			n *= 2
		}
		if n > 0 {
			s.left += n
		}
		if s.left > maxReplyOwed {
			return errReplyLength
		}
		return nil
	}
	return errReplyType
}

// maxReplyElems bounds a declared aggregate length and maxReplyOwed the
// values a reply may owe at once, only to keep the arithmetic safe;
// nothing is allocated per declared element.
const (
	maxReplyElems = 1 << 40
	maxReplyOwed  = 1 << 50
)
