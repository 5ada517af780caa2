package memcache

import "bytes"

// Split and merge of multi-key retrievals
//
//	get a b c d            owner(a)=0 owner(b)=1 owner(c)=0 owner(d)=1
//	  -> fragment 0: get a c      reply: VALUE a ... END
//	  -> fragment 1: get b d      reply: VALUE d ... END      (b missing)
//	merged: VALUE a, VALUE d, END  (request key order; a missing key has no block)
//
// Keys are grouped by owner in order of first appearance, and each fragment
// keeps its keys in request order. memcached answers the keys of a request in
// order (repeats included), so a merge walks the request's keys once and
// takes the next block of the key's fragment when that block is for the key.
// A fragment that failed makes the whole reply that failure (the first in
// fragment order), as in Dynomite.

// Fragment is the keys of a retrieval that belong to one owner.
type Fragment struct {
	// Owner is the value owner returned for these keys.
	Owner int
	// Keys are indexes into the request's Keys, ascending. The slice belongs
	// to the Splitter and is valid until its next Split.
	Keys []int
}

// Splitter groups the keys of get, gets, gat and gats requests by owner and
// merges the fragments' replies. Its memory is reused from one request to the
// next; it must not be used by several goroutines at once.
type Splitter struct {
	frags []Fragment
	idx   []int // backing array of every Fragment.Keys
	of    []int // fragment of each key of the last request
	count []int // keys per fragment
}

// Split groups r.Keys by owner(key) and returns one fragment per owner, in
// order of first appearance. owner is called once per key. The result is
// valid until the next call; r must be a multi-key command. A gat or gats
// with no key has no fragment: Merge with no replies then gives "END\r\n".
func (s *Splitter) Split(r *Request, owner func(key []byte) int) []Fragment {
	if !r.Cmd.Is(FlagMultiKey) {
		panic("BUG: memcache: Split called for " + r.Cmd.String())
	}
	s.frags, s.of, s.count = s.frags[:0], s.of[:0], s.count[:0]
	for _, k := range r.Keys {
		o := owner(k)
		f := 0
		for f < len(s.frags) && s.frags[f].Owner != o {
			f++
		}
		if f == len(s.frags) {
			s.frags = append(s.frags, Fragment{Owner: o})
			s.count = append(s.count, 0)
		}
		s.count[f]++
		s.of = append(s.of, f)
	}
	// Lay the index lists out one after the other in s.idx.
	if cap(s.idx) < len(r.Keys) {
		s.idx = make([]int, len(r.Keys))
	}
	off := 0
	for f, n := range s.count {
		s.frags[f].Keys = s.idx[off : off : off+n]
		off += n
	}
	for i, f := range s.of {
		s.frags[f].Keys = append(s.frags[f].Keys, i)
	}
	return s.frags
}

// AppendFragment appends the sub-request of fragment f of r:
// "get k1 k2\r\n" (or gets, gat <exptime>, gats <exptime>).
func AppendFragment(dst []byte, r *Request, f *Fragment) []byte {
	dst = append(dst, r.Cmd.String()...)
	if r.Cmd == CmdGat || r.Cmd == CmdGats {
		dst = append(dst, ' ')
		dst = append(dst, r.Tokens[1]...)
	}
	for _, i := range f.Keys {
		dst = append(dst, ' ')
		dst = append(dst, r.Keys[i]...)
	}
	return append(dst, crlf...)
}

// maxStackFrags is how many fragments Merge tracks without allocating: one
// per node of a rack, and racks of more than 16 nodes are rare.
const maxStackFrags = 16

// Merge appends to dst the reply to the whole of r, the request last given
// to Split, from replies[i], the complete reply (as framed by ReplyScanner)
// to fragment i. The result is every VALUE block in r's key order and one
// END. If a reply is an error line, the first one (in fragment order) is the
// result. ErrBadReply means a reply is not a retrieval reply for its keys;
// dst is then returned unchanged.
func (s *Splitter) Merge(dst []byte, r *Request, replies [][]byte) ([]byte, error) {
	if len(replies) != len(s.frags) || len(s.of) != len(r.Keys) {
		panic("BUG: memcache: Merge of a request other than the last split")
	}
	var stk [maxStackFrags][]byte
	rest := stk[:0]
	if len(replies) > maxStackFrags {
		rest = make([][]byte, 0, len(replies))
	}
	for _, rep := range replies {
		if line := firstLine(rep); classify(trimCRLF(line)).IsError() {
			return append(dst, rep...), nil
		}
		rest = append(rest, rep)
	}
	orig := len(dst)
	for i, k := range r.Keys {
		f := s.of[i]
		key, block, ok := nextValue(rest[f])
		if !ok {
			continue
		}
		if bytes.Equal(key, k) {
			dst = append(dst, block...)
			rest[f] = rest[f][len(block):]
		}
	}
	for _, rep := range rest {
		if line := firstLine(rep); classify(trimCRLF(line)).IsError() {
			return append(dst[:orig], line...), nil
		}
		if string(trimCRLF(rep)) != "END" {
			return dst[:orig], ErrBadReply
		}
	}
	return append(dst, ReplyEnd...), nil
}

// nextValue returns the key and the whole block of the VALUE block at the
// start of rep, or false when rep does not start with a complete one.
func nextValue(rep []byte) (key, block []byte, ok bool) {
	line := firstLine(rep)
	if line == nil || classify(trimCRLF(line)) != statusValue {
		return nil, nil, false
	}
	n, ok := parseUint(field(trimCRLF(line), 3))
	if !ok || n > uint64(len(rep)) {
		return nil, nil, false
	}
	end := len(line) + int(n) + 2
	if end > len(rep) || rep[end-2] != '\r' || rep[end-1] != '\n' {
		return nil, nil, false
	}
	return field(trimCRLF(line), 1), rep[:end], true
}

// firstLine returns the first line of rep with its '\n', or nil.
func firstLine(rep []byte) []byte {
	i := bytes.IndexByte(rep, '\n')
	if i < 0 {
		return nil
	}
	return rep[:i+1]
}

// trimCRLF drops a final '\n' and one '\r' before it.
func trimCRLF(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		return trimLine(b)
	}
	return b
}
