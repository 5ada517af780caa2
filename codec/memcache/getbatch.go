package memcache

import "bytes"

// Joined gets
//
// A proxy that writes many clients' requests to one memcached connection
// can send consecutive single-key gets as one multi-key get line, which
// memcached answers with one lookup pass and one send. GetBatch builds
// those lines and cuts memcached's answer back into the reply each single
// get would have had.
//
//	requests:  get a | get b | set c ... | get d
//	sent:      get a b\r\n set c ...\r\n get d\r\n
//	memcached: VALUE a ...\r\n END\r\n      STORED\r\n  END\r\n
//	Next:      a: hit, VALUE a ... END;  b: miss, END (last of its line, takes it);  d: END
//
// memcached answers a line with a VALUE block for each key it holds, in
// key order (a key asked twice gets two blocks), then one END. The key
// whose turn it is has a hit when the next block is for it; anything else
// (another key's block, or END) is a miss that consumes nothing, except
// that the line's last key also takes the END.

// Limits of one joined line. memcached reads longer lines too; staying
// under MaxBatchLine keeps a line in memcached's usual read buffer.
const (
	MaxBatchKeys = 64   // keys on one line
	MaxBatchLine = 2000 // bytes of one line, "\r\n" excluded
	maxBatchKey  = 250  // memcached's longest key; its length fits the log's byte
)

// Bytes of the joined lines and of memcached's replies to them.
var (
	getPrefix   = []byte("get ")
	valuePrefix = []byte("VALUE ")
)

// GetBatch joins single-key gets into multi-key get lines on one memcached
// connection, and cuts the replies to those lines back per key. The zero
// value is ready; its memory is reused from one line to the next, so a
// batch in steady state allocates nothing. It must not be used by several
// goroutines at once.
type GetBatch struct {
	open bool // a line is open at the end of the output
	n    int  // keys on the open line
	line int  // bytes of the open line
	// log holds the keys not yet answered, oldest first from head: for
	// each, its length, 1 when it ends its line, then the key.
	log     []byte
	head    int
	pending int    // keys in the log from head on
	lastHdr int    // offset in log of the newest key's entry
	synth   []byte // a VALUE block and END made for a key that is not its line's last
}

// SingleGetKey returns the key of frame when frame is "get <key>\r\n" with
// exactly one key of 1 to 250 bytes: the only form GetBatch joins. The key
// is a sub-slice of frame.
func SingleGetKey(frame []byte) ([]byte, bool) {
	if !bytes.HasPrefix(frame, getPrefix) || !bytes.HasSuffix(frame, crlf) {
		return nil, false
	}
	key := frame[len(getPrefix) : len(frame)-len(crlf)]
	if len(key) == 0 || len(key) > maxBatchKey || bytes.IndexByte(key, ' ') >= 0 || bytes.IndexByte(key, '\n') >= 0 {
		return nil, false
	}
	return key, true
}

// Open reports whether a line is open: Close must end it before anything
// else is written to the connection.
func (b *GetBatch) Open() bool { return b.open }

// Pending returns the number of keys added and not yet answered by Next.
func (b *GetBatch) Pending() int { return b.pending }

// Add appends key, as SingleGetKey returned it, to the open line at the
// end of dst, first closing that line when it is full, or starts a line
// ("get <key>"). It returns the extended dst. The key's reply comes from
// Next, in the order keys were added.
func (b *GetBatch) Add(dst, key []byte) []byte {
	if len(key) == 0 || len(key) > maxBatchKey {
		panic("BUG: memcache: GetBatch.Add of a key SingleGetKey refuses")
	}
	if b.open && (b.n == MaxBatchKeys || b.line+1+len(key) > MaxBatchLine) {
		dst = b.Close(dst)
	}
	if !b.open {
		dst = append(dst, "get"...)
		b.open, b.n, b.line = true, 0, len("get")
	}
	dst = append(append(dst, ' '), key...)
	b.n++
	b.line += 1 + len(key)
	if b.head > 0 && b.head >= len(b.log)/2 && len(b.log) >= 4096 {
		// Drop the answered keys once they are half of a large log.
		b.log = b.log[:copy(b.log, b.log[b.head:])]
		b.head = 0
	}
	b.lastHdr = len(b.log)
	b.log = append(b.log, byte(len(key)), 0)
	b.log = append(b.log, key...)
	b.pending++
	return dst
}

// Close ends the open line, if any, with "\r\n" appended to dst; its last
// key will take memcached's END. It returns the extended dst.
func (b *GetBatch) Close(dst []byte) []byte {
	if !b.open {
		return dst
	}
	b.log[b.lastHdr+1] = 1
	b.open = false
	return append(dst, crlf...)
}

// Reset forgets every line and key, for a connection that was closed.
func (b *GetBatch) Reset() {
	b.open, b.n, b.line = false, 0, 0
	b.log, b.head, b.pending, b.lastHdr = b.log[:0], 0, 0, 0
}

// Next cuts the reply of the oldest unanswered key from the front of buf,
// the replies memcached sends to the closed lines. The caller calls it
// when that key's request is the oldest it awaits a reply to.
//
// It returns the reply a single get of the key would have had and the
// bytes of buf it took: "VALUE <key> ...\r\n<data>\r\nEND\r\n" or
// "END\r\n". n is 0 for a miss that is not its line's last, and for a hit
// that is not its line's last, the reply is a copy, valid until the next
// call; otherwise it is a sub-slice of buf or the shared ReplyEnd. Nothing
// changes on ErrIncomplete (call again with more bytes) or ErrBadReply (buf
// is not VALUE blocks and END: close the connection).
func (b *GetBatch) Next(buf []byte) (reply []byte, n int, err error) {
	if b.head >= len(b.log) {
		panic("BUG: memcache: GetBatch.Next with no key pending")
	}
	klen := int(b.log[b.head])
	last := b.log[b.head+1] == 1
	key := b.log[b.head+2 : b.head+2+klen]
	hit, err := valueFor(buf, key)
	if err != nil {
		return nil, 0, err
	}
	if hit {
		end, err := valueBlockEnd(buf)
		if err != nil {
			return nil, 0, err
		}
		if last {
			if err := takeEnd(buf[end:]); err != nil {
				return nil, 0, err
			}
			n = end + len(ReplyEnd)
			reply = buf[:n]
		} else {
			b.synth = append(append(b.synth[:0], buf[:end]...), ReplyEnd...)
			n, reply = end, b.synth
		}
	} else {
		reply = ReplyEnd
		if last {
			if err := takeEnd(buf); err != nil {
				return nil, 0, err
			}
			n = len(ReplyEnd)
		}
	}
	b.head += 2 + klen
	b.pending--
	if b.head == len(b.log) {
		b.log, b.head = b.log[:0], 0
	}
	return reply, n, nil
}

// takeEnd checks that buf starts with END.
func takeEnd(buf []byte) error {
	switch {
	case bytes.HasPrefix(buf, ReplyEnd):
		return nil
	case len(buf) < len(ReplyEnd) && bytes.HasPrefix(ReplyEnd, buf):
		return ErrIncomplete
	}
	return ErrBadReply
}

// valueFor tells whether buf starts with the VALUE block of key (a hit)
// or with another VALUE block or END (a miss). It returns ErrIncomplete
// while buf is too short to tell, ErrBadReply when buf starts with
// anything else.
func valueFor(buf, key []byte) (hit bool, err error) {
	switch {
	case bytes.HasPrefix(buf, ReplyEnd):
		return false, nil
	case len(buf) < len(valuePrefix) && (bytes.HasPrefix(valuePrefix, buf) || bytes.HasPrefix(ReplyEnd, buf)):
		return false, ErrIncomplete
	case !bytes.HasPrefix(buf, valuePrefix):
		return false, ErrBadReply
	}
	rest := buf[len(valuePrefix):]
	if len(rest) <= len(key) {
		// A hit only if rest is a prefix of "<key> ".
		if bytes.HasPrefix(key, rest) {
			return false, ErrIncomplete
		}
		return false, nil
	}
	return bytes.HasPrefix(rest, key) && rest[len(key)] == ' ', nil
}

// maxValueLine bounds a VALUE line, "\r\n" included: a longer one is
// malformed whether its end has come or not (so that a reply cut anywhere
// is judged the same).
const maxValueLine = len("VALUE ") + maxBatchKey + 64

// valueBlockEnd returns the length of the VALUE block at the front of buf:
// "VALUE <key> <flags> <bytes>[ <cas>]\r\n<data>\r\n", tokens one space
// apart, <bytes> decimal digits.
func valueBlockEnd(buf []byte) (int, error) {
	eol := bytes.IndexByte(buf, '\n')
	if eol < 0 || eol >= maxValueLine {
		if len(buf) >= maxValueLine {
			return 0, ErrBadReply
		}
		return 0, ErrIncomplete
	}
	if eol == 0 || buf[eol-1] != '\r' {
		return 0, ErrBadReply
	}
	var f [4][]byte // key flags bytes [cas]
	nf := 0
	for line := buf[len(valuePrefix) : eol-1]; ; nf++ {
		if nf == len(f) {
			return 0, ErrBadReply
		}
		i := bytes.IndexByte(line, ' ')
		if i < 0 {
			i = len(line)
		}
		if i == 0 {
			return 0, ErrBadReply
		}
		f[nf] = line[:i]
		if i == len(line) {
			nf++
			break
		}
		line = line[i+1:]
	}
	if nf < 3 {
		return 0, ErrBadReply
	}
	var size uint64
	for _, d := range f[2] {
		if d < '0' || d > '9' || size > maxValueLen {
			return 0, ErrBadReply
		}
		size = size*10 + uint64(d-'0')
	}
	if size > maxValueLen {
		return 0, ErrBadReply
	}
	end := eol + 1 + int(size) + len(crlf)
	if len(buf) < end {
		return 0, ErrIncomplete
	}
	if buf[end-2] != '\r' || buf[end-1] != '\n' {
		return 0, ErrBadReply
	}
	return end, nil
}
