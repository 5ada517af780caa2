package dedicated

import (
	"errors"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/batch"
)

// The reply side of a session: every reply of the dedicated connection is
// framed (resp.ReplyScanner), told apart (a pushed message, a
// subscription's confirmation, or a counted reply to a request), acted on
// (fixups) and appended, in the datastore's order, to what the read
// relays to the client with one Relay.

type fixKind uint8

const (
	fixNone    fixKind = iota
	fixReplace         // the reply of a refused command: data replaces it
	fixPop             // a blocking pop: replicate what it popped (pops.go)
	fixExec            // EXEC: replicate data, the transaction's writes, when it ran
	fixReset           // RESET: the datastore dropped the connection's state
	fixDrop            // a request of the node's own (AUTH after RESET, a MULTI answered already): no reply to the client
)

// fixup is what to do with the reply of counted request seq.
type fixup struct {
	seq  uint64
	kind fixKind
	mute bool // CLIENT REPLY OFF or SKIP: the reply is dropped
	data []byte
	key  []byte
	args [][]byte
}

// keepCap bounds the buffers a session keeps between reads.
const keepCap = 64 << 10

// tunnel consumes the bytes of the dedicated connection (its poller).
func (s *Session) tunnel(b []byte, bt *batch.Batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	buf := b
	if len(s.carry) > 0 {
		s.carry = append(s.carry, b...)
		buf = s.carry
	}
	off := 0
	for off < len(buf) && !s.done {
		n, err := s.sc.Scan(buf[off:])
		if errors.Is(err, resp.ErrIncomplete) {
			break
		}
		if err != nil {
			s.env.Log.Warn("bad reply on a dedicated connection", "server", s.addr, "err", err)
			s.fail(ReplyDedicatedLost)
			return
		}
		s.reply(buf[off:off+n], bt)
		off += n
	}
	s.keepTail(buf, off)
	if len(s.out) > 0 && !s.done {
		// Replies are bounded by the client's input, which pauses while
		// its output is unsent; pushed messages only by MaxOutput.
		lim := 1 << 62
		if s.subs.active() {
			lim = s.env.Limits.MaxOutput
		}
		if !s.c.Relay(s.out, lim) {
			s.env.Log.Warn("closing a client that does not read its dedicated connection's output")
			s.fail(nil)
		}
	}
	if cap(s.out) > keepCap {
		s.out = nil
	}
	s.out = s.out[:0]
	s.checkEnd()
}

// keepTail keeps buf[off:], a partial reply, for the next read.
func (s *Session) keepTail(buf []byte, off int) {
	rest := buf[off:]
	switch {
	case len(rest) == 0:
		if cap(s.carry) > keepCap {
			s.carry = nil
		}
		s.carry = s.carry[:0]
	case len(s.carry) > 0 && &buf[0] == &s.carry[0]:
		s.carry = s.carry[:copy(s.carry, rest)]
	default:
		s.carry = append(s.carry[:0], rest...)
	}
}

// reply acts on one complete reply r and appends it (or its replacement)
// to what the read delivers.
func (s *Session) reply(r []byte, bt *batch.Batch) {
	if s.subs.active() && s.pushed(r) {
		s.out = s.c.DedicatedReply(s.out, r, true, true)
		return
	}
	s.recv++
	s.expect--
	if len(s.fixes) > 0 && s.fixes[0].seq == s.recv {
		f := s.fixes[0]
		s.fixes[0] = fixup{}
		s.fixes = s.fixes[1:]
		switch f.kind {
		case fixReplace:
			r = f.data
		case fixPop:
			if frame, key := popWrite(s.wbuf[:0], f.args, r); frame != nil {
				s.wbuf = frame
				s.env.Replicate(frame, key, bt)
			}
		case fixExec:
			if len(r) > 1 && r[0] == '*' && r[1] != '-' {
				s.env.Replicate(f.data, f.key, bt)
			}
		case fixReset:
			s.subs = subState{}
		case fixDrop:
			if r[0] == '-' {
				s.env.Log.Warn("dedicated connection refused a request of the node's own", "server", s.addr, "reply", string(r[:min(len(r), 200)]))
				s.fail(ReplyDedicatedLost)
			}
			return
		}
		if f.mute {
			return
		}
	}
	s.out = s.c.DedicatedReply(s.out, r, false, s.subs.active())
}

// pushed reports whether r is a message or a subscription's confirmation
// (then taken into the subscriptions), not the reply of a counted request.
func (s *Session) pushed(r []byte) bool {
	if r[0] != '*' && r[0] != '>' {
		return false
	}
	if s.rd.Reset(r) != nil || s.rd.Len() < 3 {
		return false
	}
	first, err := s.rd.Next()
	if err != nil {
		return false
	}
	w, _ := bulkBody(first)
	if oneOf(w, wordMessages) {
		return true
	}
	if s.rd.Len() != 3 || !oneOf(w, wordConfirms) {
		return false
	}
	e, err := s.rd.Next()
	if err != nil {
		return false
	}
	name, ok := bulkBody(e)
	return s.subs.confirm(name, !ok)
}

// checkEnd ends the session once no state is left: no subscription, no
// transaction, no watched key, no reply outstanding. Callers hold mu.
func (s *Session) checkEnd() {
	if s.done || s.conn == nil || s.multi || s.watch || s.expect > 0 || len(s.backlog) > 0 || s.subs.active() {
		return
	}
	s.ended.Store(true)
	s.end()
}

// bulkBody returns the content of a bulk or simple string reply e; false
// for a null or another type.
func bulkBody(e []byte) ([]byte, bool) {
	if len(e) < 3 {
		return nil, false
	}
	i := 1
	for i < len(e) && e[i] != '\r' {
		i++
	}
	switch e[0] {
	case '+':
		return e[1:i], true
	case '$':
		if e[1] == '-' || i+2 > len(e)-2 {
			return nil, false
		}
		return e[i+2 : len(e)-2], true
	}
	return nil, false
}
