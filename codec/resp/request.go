package resp

// Request parsing: one resumable state machine over a caller-owned buffer.
//
//	buf: [blank lines][*N\r\n][$len\r\n<arg>\r\n]...   or   [blank lines]<inline line>\n
//	      ^ start of buf      ^ p.start                ^ p.pos = where the next call resumes
//
// The parser never stores slices of buf between calls, only offsets (p.spans),
// because the caller may hand in a grown copy of the same bytes. Args are cut
// from the final buffer when the frame is complete.

// Default request limits, the values Redis 7 uses.
const (
	DefaultMaxBulk   = 512 << 20 // proto-max-bulk-len
	DefaultMaxArgs   = 1 << 20   // multibulk argument count
	DefaultMaxInline = 64 << 10  // PROTO_INLINE_MAX_SIZE
)

// Limits bound what a parser accepts. A zero field means its default.
type Limits struct {
	MaxBulk   int64 // largest bulk string (request or reply) and longest reply line
	MaxArgs   int   // most arguments in one multibulk request
	MaxInline int   // longest inline line or "*N"/"$N" line, counted up to its '\n' or '\r'

	// Deprecated: MaxDepth is ignored; ReplyScanner scans replies of any
	// nesting depth at no cost per level.
	MaxDepth int
}

// DefaultLimits are the Redis 7 limits.
var DefaultLimits = Limits{
	MaxBulk:   DefaultMaxBulk,
	MaxArgs:   DefaultMaxArgs,
	MaxInline: DefaultMaxInline,
}

func (l Limits) withDefaults() Limits {
	if l.MaxBulk <= 0 {
		l.MaxBulk = DefaultMaxBulk
	}
	if l.MaxArgs <= 0 {
		l.MaxArgs = DefaultMaxArgs
	}
	if l.MaxInline <= 0 {
		l.MaxInline = DefaultMaxInline
	}
	return l
}

// Request is one parsed client command. A Request is owned by one goroutine;
// reuse it across Parse calls to keep its Args capacity.
type Request struct {
	// Args are the command's arguments; Args[0] is the command name as sent.
	// Each arg is a sub-slice of the buffer passed to Parse (capacity capped
	// at its length), valid until that buffer is modified or released. An
	// inline argument with quotes is unescaped into the Request's own
	// scratch space, valid until the next Parse or Reset with this Request.
	Args [][]byte

	// Cmd is the command table entry: the subcommand entry (e.g.
	// "config|get") when the command has subcommands and Args[1] names one,
	// else the command itself. Nil when the command is unknown.
	Cmd *Command

	// Inline is true when the request came as an inline command line.
	Inline bool

	scratch []byte // unescaped inline arguments
}

// Reset clears the request and keeps the capacity of Args.
func (r *Request) Reset() {
	clear(r.Args)
	r.Args = r.Args[:0]
	r.Cmd = nil
	r.Inline = false
	r.scratch = r.scratch[:0]
}

// parseState is where a Parser resumes.
type parseState uint8

const (
	stateStart    parseState = iota // before the first byte of a request (blank lines skipped)
	stateCount                      // inside "*N\r\n"
	stateBulkLen                    // inside "$len\r\n"
	stateBulkData                   // waiting for len bytes + CRLF
	stateInline                     // inside an inline line, looking for '\n'
)

// span is one argument as offsets into the caller's buffer.
type span struct{ off, end int }

// Parser is a resumable RESP2 request parser (multibulk and inline), as
// Redis 7 parses its query buffer. A Parser belongs to one connection and
// is not safe for concurrent use. The zero value is ready and uses
// DefaultLimits.
type Parser struct {
	// Limits bound the request size. A zero field means its default.
	Limits Limits

	state parseState
	start int    // offset of the request's first byte, after blank lines
	pos   int    // next byte to examine in the current state
	line  int    // offset of the length line being read ("$len\r\n")
	left  int    // multibulk arguments still expected
	bulk  int    // length of the bulk being read
	spans []span // arguments read so far
}

// Reset forgets a partly parsed request.
func (p *Parser) Reset() {
	p.state = stateStart
	p.start, p.pos, p.line, p.left, p.bulk = 0, 0, 0, 0, 0
	p.spans = p.spans[:0]
}

// Parse parses the first request in buf into req.
//
// buf must start at the first byte not yet consumed and hold every byte
// passed in the previous calls for this request (the caller may grow or
// reallocate it between calls). Parse returns:
//   - n > 0, nil: a whole request of n bytes (including blank lines before it);
//   - 0, ErrIncomplete: more bytes are needed; the parser remembers how far
//     it got, so the next call costs only the new bytes;
//   - 0, *ProtocolError: the input is not RESP; the Parser is reset and the
//     connection should be closed after sending err.Reply().
//
// Blank lines, "*0\r\n" and "*-1\r\n" between requests are skipped as Redis
// does. Parse looks the command up (req.Cmd) but never checks arity. It
// allocates only when req.Args or its internal offsets grow past their
// previous size.
func (p *Parser) Parse(buf []byte, req *Request) (int, error) {
	lim := p.Limits.withDefaults()
	for {
		var err error
		switch p.state {
		case stateStart:
			err = p.parseStart(buf, lim)
		case stateCount:
			err = p.parseCount(buf, lim)
		case stateBulkLen:
			err = p.parseBulkLen(buf, lim)
		case stateBulkData:
			err = p.parseBulkData(buf)
		case stateInline:
			var done bool
			done, err = p.parseInline(buf, req, lim)
			if done {
				return p.finish(req, true), nil
			}
		}
		if err != nil {
			if err != ErrIncomplete {
				p.Reset()
			}
			return 0, err
		}
		if p.state == stateBulkLen && p.left == 0 {
			p.fill(buf, req)
			return p.finish(req, false), nil
		}
	}
}

// finish ends a complete request: it looks the command up and resets the
// parser for the next request. It returns the bytes consumed.
func (p *Parser) finish(req *Request, inline bool) int {
	req.Inline = inline
	req.Cmd = LookupArgs(req.Args)
	n := p.pos
	p.Reset()
	return n
}

// fill cuts the arguments out of buf.
func (p *Parser) fill(buf []byte, req *Request) {
	req.Reset()
	for _, s := range p.spans {
		req.Args = append(req.Args, buf[s.off:s.end:s.end])
	}
}

// parseStart skips blank lines and picks multibulk or inline by the first byte.
func (p *Parser) parseStart(buf []byte, lim Limits) error {
	if p.pos >= len(buf) {
		return ErrIncomplete
	}
	if p.pos > lim.MaxInline {
		// Only blank lines so far: bound what the caller must keep.
		return errTooBigInline
	}
	p.start = p.pos
	if buf[p.pos] == '*' {
		p.state = stateCount
		p.pos++
		return nil
	}
	p.state = stateInline
	return nil
}

// lineEnd finds the '\r' ending a length line that starts at from, scanning
// from p.pos. It returns the index of '\r', or ErrIncomplete (p.pos
// advanced), or tooBig when the line is longer than max.
func (p *Parser) lineEnd(buf []byte, from, max int, tooBig error) (int, error) {
	limit := min(len(buf), from+max+1)
	for i := p.pos; i < limit; i++ {
		if buf[i] == '\r' {
			if i+1 >= len(buf) {
				p.pos = i
				return 0, ErrIncomplete
			}
			return i, nil
		}
	}
	if len(buf)-from > max {
		return 0, tooBig
	}
	p.pos = len(buf)
	return 0, ErrIncomplete
}

// parseCount reads "*N\r\n".
func (p *Parser) parseCount(buf []byte, lim Limits) error {
	cr, err := p.lineEnd(buf, p.start, lim.MaxInline, errTooBigMbulkCount)
	if err != nil {
		return err
	}
	n, ok := parseInt(buf[p.start+1 : cr])
	if !ok || n > int64(lim.MaxArgs) {
		return errInvalidMultibulkLen
	}
	p.pos = cr + 2 // Redis skips the byte after '\r' without looking at it
	if n <= 0 {
		// An empty multibulk is skipped like a blank line.
		p.state = stateStart
		return nil
	}
	p.left = int(n)
	p.spans = p.spans[:0]
	p.line = p.pos
	p.state = stateBulkLen
	return nil
}

// parseBulkLen reads "$len\r\n".
func (p *Parser) parseBulkLen(buf []byte, lim Limits) error {
	from := p.line
	cr, err := p.lineEnd(buf, from, lim.MaxInline, errTooBigBulkCount)
	if err != nil {
		return err
	}
	if buf[from] != '$' {
		return errExpectedDollar[buf[from]]
	}
	n, ok := parseInt(buf[from+1 : cr])
	if !ok || n < 0 || n > lim.MaxBulk {
		return errInvalidBulkLen
	}
	p.bulk = int(n)
	p.pos = cr + 2
	p.state = stateBulkData
	return nil
}

// parseBulkData waits for the bulk bytes and the two bytes after them.
func (p *Parser) parseBulkData(buf []byte) error {
	end := p.pos + p.bulk
	if len(buf)-p.pos < p.bulk+2 {
		return ErrIncomplete
	}
	p.spans = append(p.spans, span{p.pos, end})
	p.pos = end + 2 // Redis skips the two bytes after the data without looking
	p.bulk = 0
	p.left--
	p.line = p.pos
	p.state = stateBulkLen
	return nil
}

// parseInt parses a decimal int64 as strictly as Redis's string2ll: no sign
// but '-', no leading zeros, no spaces, no overflow.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		d := uint64(c - '0')
		if d > 9 || v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}
