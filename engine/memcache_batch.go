package engine

import (
	"bytes"
	"errors"

	"github.com/dynomite-go/dynomite/codec/memcache"
)

// Single-key gets travel to memcached as multi-key gets.
//
// memcached answers a pipeline of single-key gets with about one sendmsg
// per three replies, and a multi-key get with one: on loopback, 5.4 to 5.9
// µs of memcached CPU per key for 16 pipelined "get k" against 0.7 to 1.3
// for one "get k1 ... k16". The node already coalesces the requests of all
// its clients into one write per datastore connection; on a memcached
// connection it also joins consecutive single-key gets of that write into
// one "get k1 k2 ...\r\n" line (at most maxBatchKeys keys and
// maxBatchLine bytes), so memcached does one lookup pass and one send for
// them.
//
// Each batched msg keeps its place in the FIFO; its key waits in the
// batch's key log. memcached answers the line with a VALUE block for each
// key it holds, in key order (a key asked twice gets two blocks), then one
// END. The reply scanner takes the FIFO head: a VALUE block for its key is
// its hit, anything else means a miss and consumes nothing; the batch's
// last msg also takes the END. Each client gets what a single get would
// have given it: the VALUE block and END, or END alone.
//
//	clients:  get a | get b | set c ... | get d
//	memcached: get a b\r\n set c ...\r\n get d\r\n
//	replies:   VALUE a ...\r\n END\r\n      STORED\r\n  END\r\n
//	FIFO:      a: hit, copied with END;  b: miss, END (last, takes it);  c;  d

const (
	maxBatchKey  = 250 // memcached's longest key; msg.mgKey holds its length
	maxBatchKeys = 64
	maxBatchLine = 2000 // memcached reads longer get lines too; stay in its usual buffer
)

// getBatch is a memcached server conn's batching state, guarded by s.mu.
type getBatch struct {
	open bool // a "get k1 ..." line is open at the end of out
	n    int  // keys on the open line
	line int  // bytes of the open line
	last *msg // newest msg on the open line
	// keys holds the keys of the batched msgs not yet answered, in FIFO
	// order, from head on; a msg knows its key's length (msg.mgKey).
	keys []byte
	head int
	// synth holds a reply made from a VALUE block and END.
	synth []byte
}

var (
	replyEnd    = []byte("END\r\n")
	valuePrefix = []byte("VALUE ")
	getPrefix   = []byte("get ")
	crlf        = []byte("\r\n")
)

// errBatchReply: memcached answered a batched get with something other
// than VALUE blocks and END.
var errBatchReply = errors.New("engine: unexpected reply to a batched get")

// appendMemcache appends frame, the request of m, to the output of
// memcached conn s (s.mu held), joining it to the open get line when it is
// a single-key get.
func (s *conn) appendMemcache(frame []byte, m *msg) {
	b := &s.mc.batch
	key, ok := singleGetKey(frame, m)
	if !ok {
		if b.open {
			s.closeGetBatch()
		}
		s.out.B = append(s.out.B, frame...)
		return
	}
	if b.open && (b.n == maxBatchKeys || b.line+1+len(key) > maxBatchLine) {
		s.closeGetBatch()
	}
	if !b.open {
		s.out.B = append(s.out.B, "get"...)
		b.open, b.n, b.line = true, 0, len("get")
	}
	s.out.B = append(append(s.out.B, ' '), key...)
	b.n++
	b.line += 1 + len(key)
	b.last = m
	m.mgKey = uint8(len(key))
	if b.head > 0 && b.head >= len(b.keys)/2 && len(b.keys) >= 4096 {
		b.keys = b.keys[:copy(b.keys, b.keys[b.head:])]
		b.head = 0
	}
	b.keys = append(b.keys, key...)
}

// closeGetBatch ends the open get line (s.mu held): its last msg will
// take memcached's END.
func (s *conn) closeGetBatch() {
	b := &s.mc.batch
	s.out.B = append(s.out.B, crlf...)
	b.last.mgEnd = true
	b.open, b.last = false, nil
}

// resetGetBatch forgets the batches of a closed connection.
func (s *conn) resetGetBatch() {
	b := &s.mc.batch
	b.open, b.last, b.n, b.line = false, nil, 0, 0
	b.keys, b.head = b.keys[:0], 0
}

// singleGetKey returns the key of frame when it is "get <key>\r\n" with
// one key, the only form batched.
func singleGetKey(frame []byte, m *msg) ([]byte, bool) {
	if memcache.Command(m.cmd) != memcache.CmdGet || m.mute != muteNone ||
		!bytes.HasPrefix(frame, getPrefix) || !bytes.HasSuffix(frame, crlf) {
		return nil, false
	}
	key := frame[len(getPrefix) : len(frame)-len(crlf)]
	if len(key) == 0 || len(key) > maxBatchKey || bytes.IndexByte(key, ' ') >= 0 {
		return nil, false
	}
	return key, true
}

// scanBatched frames the reply of m, the FIFO head and a batched get, at
// the front of buf (s.mu held). It returns the reply for the client and
// the bytes it consumed (0 for a miss that is not the batch's last).
func (s *conn) scanBatched(m *msg, buf []byte) ([]byte, int, error) {
	b := &s.mc.batch
	key := b.keys[b.head : b.head+int(m.mgKey)]
	hit, known, bad := valueOf(buf, key)
	switch {
	case bad:
		return nil, 0, errBatchReply
	case !known:
		return nil, 0, errNeedMore
	}
	var reply []byte
	n := 0
	if hit {
		end, err := valueBlockEnd(buf)
		if err != nil {
			return nil, 0, err
		}
		switch {
		case m.mgEnd && len(buf) < end+len(replyEnd):
			if !bytes.HasPrefix(replyEnd, buf[end:]) {
				return nil, 0, errBatchReply
			}
			return nil, 0, errNeedMore
		case m.mgEnd:
			if !bytes.HasPrefix(buf[end:], replyEnd) {
				return nil, 0, errBatchReply
			}
			n = end + len(replyEnd)
			reply = buf[:n]
		default:
			b.synth = append(append(b.synth[:0], buf[:end]...), replyEnd...)
			n, reply = end, b.synth
		}
	} else {
		reply = replyEnd
		if m.mgEnd {
			if len(buf) < len(replyEnd) {
				if !bytes.HasPrefix(replyEnd, buf) {
					return nil, 0, errBatchReply
				}
				return nil, 0, errNeedMore
			}
			if !bytes.HasPrefix(buf, replyEnd) {
				return nil, 0, errBatchReply
			}
			n = len(replyEnd)
		}
	}
	b.head += len(key)
	if b.head == len(b.keys) {
		b.keys, b.head = b.keys[:0], 0
	}
	return reply, n, nil
}

// valueOf tells whether buf starts with the VALUE block of key (hit) or
// with another VALUE block or END (a miss); known is false while buf is
// too short to tell, bad is true when buf starts with anything else.
func valueOf(buf, key []byte) (hit, known, bad bool) {
	switch {
	case bytes.HasPrefix(buf, replyEnd):
		return false, true, false
	case len(buf) < len(valuePrefix) && (bytes.HasPrefix(valuePrefix, buf) || bytes.HasPrefix(replyEnd, buf)):
		return false, false, false
	case !bytes.HasPrefix(buf, valuePrefix):
		return false, true, true
	}
	rest := buf[len(valuePrefix):]
	if len(rest) <= len(key) {
		// A hit only if rest is a prefix of "<key> ".
		return false, !bytes.HasPrefix(key, rest), false
	}
	return bytes.HasPrefix(rest, key) && rest[len(key)] == ' ', true, false
}

// valueBlockEnd returns the length of the VALUE block at the front of buf
// ("VALUE <key> <flags> <bytes>[ <cas>]\r\n<data>\r\n"), or errNeedMore.
func valueBlockEnd(buf []byte) (int, error) {
	eol := bytes.Index(buf, crlf)
	if eol < 0 {
		if len(buf) > len(valuePrefix)+maxBatchKey+64 {
			return 0, errBatchReply
		}
		return 0, errNeedMore
	}
	// key flags bytes [cas], one space apart
	var f [4][]byte
	nf := 0
	for line := buf[len(valuePrefix):eol]; len(line) > 0; nf++ {
		if nf == len(f) {
			return 0, errBatchReply
		}
		tok := line
		if i := bytes.IndexByte(line, ' '); i >= 0 {
			tok, line = line[:i], line[i+1:]
		} else {
			line = nil
		}
		f[nf] = tok
	}
	if nf < 3 || len(f[2]) == 0 {
		return 0, errBatchReply
	}
	size := 0
	for _, d := range f[2] {
		if d < '0' || d > '9' || size > 1<<40 {
			return 0, errBatchReply
		}
		size = size*10 + int(d-'0')
	}
	end := eol + len(crlf) + size + len(crlf)
	if len(buf) < end {
		return 0, errNeedMore
	}
	if !bytes.Equal(buf[end-len(crlf):end], crlf) {
		return 0, errBatchReply
	}
	return end, nil
}
