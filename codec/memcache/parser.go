package memcache

import "bytes"

// Parsing one request
//
//	buf: [ command line ... \n ][ data block ][ \r\n ][ next request ...
//	      ^0                   ^end          ^end+Bytes           ^n
//
// Parse finds the end of the command line (bounded by Limits.MaxLine, or by
// Limits.MaxKeys keys for retrievals), splits it into tokens, looks the name
// up in the command table and calls the row's parse function, which checks
// the tokens the way memcached does and, for storage commands, waits for the
// data block. While a frame is incomplete the parser remembers how far it
// searched for the end of line, or how long the frame will be, so calling it
// again as bytes arrive costs O(new bytes), not O(frame).

// parseFunc checks the tokens of one command line that ends at end and
// returns the frame length, or 0 and ErrIncomplete.
type parseFunc func(p *Parser, buf []byte, end int, r *Request) (int, error)

// Parser is a resumable request parser for one client stream. The zero value
// uses DefaultLimits. It must not be used by several goroutines at once.
type Parser struct {
	// Limits bound what is accepted; zero fields take DefaultLimits values.
	Limits Limits

	scanned int // bytes of the current line searched for '\n' without success
	need    int // length of the current frame once its line is known; 0 = unknown
}

// Reset forgets a partly parsed frame, for a new stream.
func (p *Parser) Reset() { p.scanned, p.need = 0, 0 }

// Pending returns, after Parse returned ErrIncomplete, the length of the
// whole frame when it is known (the line is complete and a data block is
// awaited), or 0. A caller can size its buffer once instead of growing it.
func (p *Parser) Pending() int { return p.need }

// Parse parses the request at the start of buf into req. buf must start at the
// first byte not yet consumed and hold every byte passed before for this
// request; the caller may grow it between calls.
//
// It returns n, the bytes of the frame, and:
//   - nil: req is a request to execute; buf[:n] is the whole frame.
//   - ErrIncomplete: n == 0; call again with more bytes.
//   - an *Error that is not Fatal: the request is answered with its Reply
//     (unless req.NoReply and the error is not ErrUnknownCommand); n bytes
//     are consumed, and with ErrTooLarge the req.Skip bytes that follow must
//     be discarded too. req holds what was parsed (Cmd, Keys, NoReply).
//   - an *Error that is Fatal (ErrLineTooLong): n == 0; close the connection.
func (p *Parser) Parse(buf []byte, req *Request) (n int, err error) {
	if p.need > len(buf) {
		return 0, ErrIncomplete
	}
	lim := p.limits()
	end, err := p.lineEnd(buf, &lim)
	if err != nil {
		if err != ErrIncomplete {
			p.scanned = 0
			req.Reset()
		}
		return 0, err
	}
	req.Reset()
	req.Tokens = tokenize(req.Tokens, trimLine(buf[:end]), lim.MaxKeys+2)
	if len(req.Tokens) > 0 {
		req.Cmd = Lookup(req.Tokens[0])
	}
	if req.Cmd == CmdUnknown {
		n, err = end, ErrUnknownCommand
	} else {
		n, err = commands[req.Cmd].parse(p, buf, end, req)
	}
	if err != ErrIncomplete {
		p.scanned, p.need = 0, 0
	}
	return n, err
}

// limits returns p.Limits with zero fields replaced by the defaults.
func (p *Parser) limits() Limits { return p.Limits.withDefaults() }

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxKeyLen > 0 {
		d.MaxKeyLen = l.MaxKeyLen
	}
	if l.MaxValue > 0 {
		d.MaxValue = l.MaxValue
	}
	if l.MaxLine > 0 {
		d.MaxLine = l.MaxLine
	}
	if l.MaxKeys > 0 {
		d.MaxKeys = l.MaxKeys
	}
	return d
}

// lineEnd returns the index after the '\n' that ends the first line of buf.
// A line longer than MaxLine is fatal unless it is a retrieval, whose limit
// follows from MaxKeys; p.scanned past MaxLine means that was decided.
func (p *Parser) lineEnd(buf []byte, lim *Limits) (int, error) {
	long := lim.MaxKeys*(lim.MaxKeyLen+1) + lim.MaxLine
	limit := lim.MaxLine
	if p.scanned >= limit {
		limit = long
	}
	for {
		from, to := p.scanned, min(len(buf), limit)
		if from < to {
			if i := bytes.IndexByte(buf[from:to], '\n'); i >= 0 {
				return from + i + 1, nil
			}
			p.scanned = to
		}
		if len(buf) < limit {
			return 0, ErrIncomplete
		}
		if limit == long || !isRetrieval(buf[:limit]) {
			return 0, ErrLineTooLong
		}
		limit = long
	}
}

// isRetrieval reports whether head (the first MaxLine bytes of a line with no
// end in them) starts with get, gets, gat or gats and a space.
func isRetrieval(head []byte) bool {
	i := 0
	for i < len(head) && head[i] == ' ' {
		i++
	}
	j := bytes.IndexByte(head[i:], ' ')
	if j < 0 {
		return false
	}
	return Lookup(head[i : i+j]).Is(FlagMultiKey)
}

// trimLine drops the '\n' ending line and one '\r' before it.
func trimLine(line []byte) []byte {
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// tokenize appends to dst the space-separated tokens of line, at most max of
// them and then one more to show the line has more.
func tokenize(dst [][]byte, line []byte, max int) [][]byte {
	for len(line) > 0 && len(dst) <= max {
		if line[0] == ' ' {
			line = line[1:]
			continue
		}
		i := bytes.IndexByte(line, ' ')
		if i < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:i])
		line = line[i+1:]
	}
	return dst
}

// parseUint parses an unsigned decimal with an optional '+', as memcached's
// strtoull-based helpers accept it; false on anything else or overflow.
func parseUint(b []byte) (uint64, bool) {
	if len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// parseInt parses a signed 64-bit decimal with an optional sign.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	u, ok := parseUint(b)
	if !ok || (len(b) > 0 && b[0] == '+' && neg) {
		return 0, false
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// isNoReply reports whether tok is the noreply keyword.
func isNoReply(tok []byte) bool { return string(tok) == "noreply" }
