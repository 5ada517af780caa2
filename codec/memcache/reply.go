package memcache

import "bytes"

// Scanning one reply
//
//	retrieval:  VALUE <key> <flags> <bytes> [<cas>]\r\n<data>\r\n ... END\r\n
//	meta:       VA <size> <flags>*\r\n<data>\r\n  |  HD|EN|NF|NS|EX|MN|ME ...\r\n
//	other:      one line: STORED, NOT_FOUND, <number>, VERSION 1.6.18, ...
//	any:        ERROR\r\n | CLIENT_ERROR <msg>\r\n | SERVER_ERROR <msg>\r\n
//
// A reply cannot be framed without knowing its request (a get reply is many
// lines, a set reply one), so Scan takes the command. Complete VALUE blocks
// are remembered across calls, and a line is searched for its end only once,
// so scanning a reply that arrives in pieces costs O(new bytes).

// ReplyScanner finds the end of one complete reply in a datastore stream. The
// zero value uses DefaultLimits (MaxValue bounds VALUE and VA sizes, MaxLine
// every line). It must not be used by several goroutines at once.
type ReplyScanner struct {
	Limits Limits

	pos     int // end of the VALUE blocks already scanned
	scanned int // bytes after pos searched for '\n' without success
	need    int // length of the buffer that completes the current data block
}

// Reset forgets a partly scanned reply, for a new stream.
func (s *ReplyScanner) Reset() { s.pos, s.scanned, s.need = 0, 0, 0 }

// Pending returns, after Scan returned ErrIncomplete, the buffer length that
// completes the data block being read, or 0. A retrieval reply may go on
// with more blocks after it.
func (s *ReplyScanner) Pending() int { return s.need }

// Scan finds the end of the reply at the start of buf to a request of
// command cmd. buf follows the same rule as in Parser.Parse. It returns the
// reply length n and its status, or ErrIncomplete (n == 0) or ErrBadReply
// when the bytes cannot be a reply to cmd (close the datastore connection).
// Error lines (ERROR, CLIENT_ERROR, SERVER_ERROR) are replies to every
// command and end a retrieval reply early.
func (s *ReplyScanner) Scan(buf []byte, cmd Command) (n int, st Status, err error) {
	n, st, err = s.scan(buf, cmd)
	if err != ErrIncomplete {
		s.Reset()
	}
	return n, st, err
}

func (s *ReplyScanner) scan(buf []byte, cmd Command) (int, Status, error) {
	if cmd == CmdUnknown || cmd >= numCommands || commands[cmd].shape == shapeNone {
		return 0, StatusUnknown, ErrBadReply
	}
	row := &commands[cmd]
	lim := s.Limits.withDefaults()
	for {
		if s.need > len(buf) {
			return 0, StatusUnknown, ErrIncomplete
		}
		end, err := s.lineEnd(buf, &lim)
		if err != nil {
			return 0, StatusUnknown, err
		}
		line := trimLine(buf[s.pos:end])
		st := classify(line)
		switch {
		case st == statusValue && row.shape == shapeValues:
			// A VALUE block: keep going until END.
			n, err := s.block(buf, end, field(line, 3), &lim)
			if err != nil {
				return 0, StatusUnknown, err
			}
			s.pos, s.scanned, s.need = n, 0, 0
		case st == StatusVA && row.shape == shapeMeta && row.accept.has(StatusVA):
			n, err := s.block(buf, end, field(line, 1), &lim)
			if err != nil {
				return 0, StatusUnknown, err
			}
			return n, st, nil
		case st == StatusEnd && row.shape == shapeValues,
			errorSet.has(st), row.accept.has(st) && st != StatusVA:
			return end, st, nil
		default:
			return 0, StatusUnknown, ErrBadReply
		}
	}
}

// lineEnd returns the end of the line starting at s.pos.
func (s *ReplyScanner) lineEnd(buf []byte, lim *Limits) (int, error) {
	limit := s.pos + lim.MaxLine
	from, to := s.pos+s.scanned, min(len(buf), limit)
	if from < to {
		if i := bytes.IndexByte(buf[from:to], '\n'); i >= 0 {
			return from + i + 1, nil
		}
		s.scanned = to - s.pos
	}
	if len(buf) >= limit {
		return 0, ErrBadReply
	}
	return 0, ErrIncomplete
}

// block checks the data block of size sz after the line ending at end and
// returns where it ends.
func (s *ReplyScanner) block(buf []byte, end int, sz []byte, lim *Limits) (int, error) {
	n, ok := parseUint(sz)
	if !ok || len(sz) == 0 || sz[0] == '+' || n > uint64(lim.MaxValue) {
		return 0, ErrBadReply
	}
	total := end + int(n) + 2
	if len(buf) < total {
		s.need = total
		return 0, ErrIncomplete
	}
	if buf[total-2] != '\r' || buf[total-1] != '\n' {
		return 0, ErrBadReply
	}
	return total, nil
}

// field returns the i-th space-separated token of line, or nil.
func field(line []byte, i int) []byte {
	for {
		for len(line) > 0 && line[0] == ' ' {
			line = line[1:]
		}
		if len(line) == 0 {
			return nil
		}
		j := bytes.IndexByte(line, ' ')
		if j < 0 {
			j = len(line)
		}
		if i == 0 {
			return line[:j]
		}
		line, i = line[j:], i-1
	}
}
