package resp

import "bytes"

// Inline requests: one line, split into arguments the way Redis's
// sdssplitargs does:
//
//	set "a key" 'it\'s'  "\x41\n"      -> set, a key, it's, A<LF>
//
//   - spaces, tabs, CR, LF, VT and FF between arguments are skipped;
//   - an unquoted argument ends at a space, tab, CR or LF;
//   - "..." understands \xHH, \n \r \t \b \a, and \<c> for any other c;
//   - '...' understands only \';
//   - a quote may open in the middle of an argument (a"b c" is "ab c"), but a
//     closing quote must be followed by white space or the end of the line,
//     and an unclosed quote is "unbalanced quotes in request".
//
// One difference: Redis stops at a NUL byte (C strings); here NUL is data.

// parseInline waits for the '\n' ending the line, then splits it. A line
// with no arguments is skipped and parsing restarts after it.
func (p *Parser) parseInline(buf []byte, req *Request, lim Limits) (bool, error) {
	i := bytes.IndexByte(buf[p.pos:], '\n')
	if i < 0 {
		if len(buf)-p.start > lim.MaxInline {
			return false, errTooBigInline
		}
		p.pos = len(buf)
		return false, ErrIncomplete
	}
	nl := p.pos + i
	if nl-p.start > lim.MaxInline {
		return false, errTooBigInline
	}
	end := nl
	if end > p.start && buf[end-1] == '\r' {
		end--
	}
	req.Reset()
	if err := splitArgs(buf[p.start:end], req); err != nil {
		return false, err
	}
	p.pos = nl + 1
	if len(req.Args) == 0 {
		p.state = stateStart
		return false, nil
	}
	return true, nil
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// isArgEnd reports whether c ends an unquoted argument.
func isArgEnd(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// splitArgs appends the arguments of line to req.Args. Without quotes the
// arguments are sub-slices of line; with quotes they are unescaped into
// req.scratch.
func splitArgs(line []byte, req *Request) error {
	if bytes.IndexByte(line, '"') >= 0 || bytes.IndexByte(line, '\'') >= 0 {
		return splitQuoted(line, req)
	}
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return nil
		}
		j := i
		for j < len(line) && !isArgEnd(line[j]) {
			j++
		}
		req.Args = append(req.Args, line[i:j:j])
		i = j
	}
}

// splitQuoted is splitArgs for a line with quotes. Unescaped text is never
// longer than the line, so sizing scratch to the line once keeps earlier
// arguments valid while later ones are appended.
func splitQuoted(line []byte, req *Request) error {
	if cap(req.scratch) < len(line) {
		req.scratch = make([]byte, 0, len(line))
	}
	sc := req.scratch[:0]
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			req.scratch = sc
			return nil
		}
		start := len(sc)
		var err error
		sc, i, err = quotedArg(line, sc, i)
		if err != nil {
			return err
		}
		req.Args = append(req.Args, sc[start:len(sc):len(sc)])
	}
}

// quotedArg unescapes one argument starting at line[i] onto sc and returns
// the index after it.
func quotedArg(line, sc []byte, i int) ([]byte, int, error) {
	var dq, sq bool
	for ; i < len(line); i++ {
		c := line[i]
		switch {
		case dq:
			switch {
			case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
				sc = append(sc, unhex(line[i+2])<<4|unhex(line[i+3]))
				i += 3
			case c == '\\' && i+1 < len(line):
				i++
				sc = append(sc, unescape(line[i]))
			case c == '"':
				return closeQuote(line, sc, i)
			default:
				sc = append(sc, c)
			}
		case sq:
			switch {
			case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
				i++
				sc = append(sc, '\'')
			case c == '\'':
				return closeQuote(line, sc, i)
			default:
				sc = append(sc, c)
			}
		case isArgEnd(c):
			return sc, i + 1, nil
		case c == '"':
			dq = true
		case c == '\'':
			sq = true
		default:
			sc = append(sc, c)
		}
	}
	if dq || sq {
		return sc, i, errUnbalancedQuotes
	}
	return sc, i, nil
}

// closeQuote checks that a closing quote at line[i] ends the argument.
func closeQuote(line, sc []byte, i int) ([]byte, int, error) {
	if i+1 < len(line) && !isSpace(line[i+1]) {
		return sc, i, errUnbalancedQuotes
	}
	return sc, i + 1, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}
