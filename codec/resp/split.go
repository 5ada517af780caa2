package resp

// Splitting a multi-key request per key owner, and merging the parts'
// replies back in the original key order (docs/compat.md §4.5).
//
//	MGET a b c d            owner: a->7 b->3 c->7 d->5
//	Parts (first-seen order): 0 owner 7: MGET a c   1 owner 3: MGET b   2 owner 5: MGET d
//	keyPart: [0 1 0 2]      next (same part, request order): a->c, b->end, c->end, d->end
//	Merge:   *4  part0[0] part1[0] part0[1] part2[0]
//
// It works for any command whose keys run from FirstKey to the last
// argument every Step arguments (MGET, DEL: step 1; MSET: key and value,
// step 2); Command.Merge says how the replies combine.

// splitStack is how many parts a Split holds without allocating. A request
// is split over the nodes of one rack, and racks seldom have more than 8
// nodes; more parts go to the heap.
const splitStack = 8

// Part is one sub-request of a split request.
type Part struct {
	Owner int    // what owner returned for every key of this part
	Keys  int    // number of keys in this part
	Frame []byte // the encoded sub-request: a sub-slice of the buffer Split returned

	off, end   int   // Frame's bounds in that buffer
	head, tail int32 // first and last key of this part, linked by Split.next
}

// Split is one request split per owner. Reuse a Split (for example one per
// pooled message) so that steady-state splitting and merging allocate
// nothing. A Split is owned by one goroutine.
type Split struct {
	// Parts are the sub-requests, in the order their first key appears.
	Parts []Part

	cmd      *Command
	keyPart  []int32 // part of each key, in request order
	next     []int32 // next key of the same part, -1 at the end
	readers  []ArrayReader
	partsBuf [splitStack]Part
	readBuf  [splitStack]ArrayReader
}

// Split groups the keys of req by owner(key) and appends one encoded
// sub-request per owner to dst ("*n" + the command name + that owner's
// keys, each with its value for MSET, in request order). It returns the
// extended dst; s.Parts[i].Frame points into it and is valid while it is.
// A request whose keys all have one owner still gives one Part; the caller
// may forward the original frame instead. owner is called once per key, in
// order. It returns ErrNotSplittable when the keys of req do not run from
// Cmd.FirstKey to the end every Cmd.Step.
func (s *Split) Split(dst []byte, req *Request, owner func(key []byte) int) ([]byte, error) {
	c := req.Cmd
	if c == nil || c.FirstKey <= 0 || c.LastKey != -1 || c.Step <= 0 {
		return dst, ErrNotSplittable
	}
	rest := len(req.Args) - c.FirstKey
	if rest <= 0 || rest%c.Step != 0 {
		return dst, ErrNotSplittable
	}
	s.group(req.Args, c, rest/c.Step, owner)
	for i := range s.Parts {
		dst = s.encode(dst, req.Args, &s.Parts[i])
	}
	for i := range s.Parts {
		p := &s.Parts[i]
		p.Frame = dst[p.off:p.end:p.end]
	}
	return dst, nil
}

// group assigns each of the n keys to a part.
func (s *Split) group(args [][]byte, c *Command, n int, owner func([]byte) int) {
	s.cmd = c
	if cap(s.Parts) > splitStack {
		s.Parts = s.Parts[:0] // grown before: keep the heap array
	} else {
		s.Parts = s.partsBuf[:0]
	}
	s.keyPart = grow(s.keyPart, n)
	s.next = grow(s.next, n)
	for k := 0; k < n; k++ {
		o := owner(args[c.FirstKey+k*c.Step])
		pi := -1
		for i := range s.Parts {
			if s.Parts[i].Owner == o {
				pi = i
				break
			}
		}
		if pi < 0 {
			pi = len(s.Parts)
			s.Parts = append(s.Parts, Part{Owner: o, head: int32(k), tail: int32(k)})
		} else {
			s.next[s.Parts[pi].tail] = int32(k)
			s.Parts[pi].tail = int32(k)
		}
		s.Parts[pi].Keys++
		s.keyPart[k] = int32(pi)
		s.next[k] = -1
	}
}

// encode appends part p's sub-request.
func (s *Split) encode(dst []byte, args [][]byte, p *Part) []byte {
	c := s.cmd
	p.off = len(dst)
	dst = appendHeader(dst, '*', c.FirstKey+p.Keys*c.Step)
	for _, a := range args[:c.FirstKey] {
		dst = AppendBulk(dst, a)
	}
	for k := p.head; k >= 0; k = s.next[k] {
		at := c.FirstKey + int(k)*c.Step
		for _, a := range args[at : at+c.Step] {
			dst = AppendBulk(dst, a)
		}
	}
	p.end = len(dst)
	return dst
}

// Merge appends the client's reply, built from replies[i], the complete
// reply to s.Parts[i], and returns the extended dst. If any part answered
// an error, that error (the first in part order) is the reply. It returns
// ErrBadSubReply when a reply does not fit its part, and ErrNotSplittable
// when the command has no Merge kind.
func (s *Split) Merge(dst []byte, replies [][]byte) ([]byte, error) {
	if len(replies) != len(s.Parts) || s.cmd == nil {
		return dst, ErrBadSubReply
	}
	for _, r := range replies {
		if len(r) > 0 && (r[0] == '-' || r[0] == '!') {
			return append(dst, r...), nil
		}
	}
	switch s.cmd.Merge {
	case MergeSum:
		var sum int64
		for _, r := range replies {
			n, ok := parseIntReply(r)
			if !ok {
				return dst, ErrBadSubReply
			}
			sum += n
		}
		return AppendInt(dst, sum), nil
	case MergeOK:
		for _, r := range replies {
			if len(r) < 3 || r[0] != '+' {
				return dst, ErrBadSubReply
			}
		}
		return append(dst, ReplyOK...), nil
	case MergeArray:
		return s.mergeArray(dst, replies)
	}
	return dst, ErrNotSplittable
}

// mergeArray interleaves the parts' array elements back in key order.
func (s *Split) mergeArray(dst []byte, replies [][]byte) ([]byte, error) {
	rs := s.readBuf[:0]
	if len(s.Parts) > splitStack {
		s.readers = growReaders(s.readers, len(s.Parts))
		rs = s.readers[:0]
	}
	rs = rs[:len(s.Parts)]
	for i := range rs {
		if rs[i].Reset(replies[i]) != nil || rs[i].Len() != s.Parts[i].Keys {
			return dst, ErrBadSubReply
		}
	}
	start := len(dst)
	dst = AppendArray(dst, len(s.keyPart))
	for _, pi := range s.keyPart {
		e, err := rs[pi].Next()
		if err != nil {
			return dst[:start], ErrBadSubReply
		}
		dst = append(dst, e...)
	}
	return dst, nil
}

// grow returns s resized to n, reusing its array when it is big enough.
func grow(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

func growReaders(s []ArrayReader, n int) []ArrayReader {
	if cap(s) < n {
		return make([]ArrayReader, n)
	}
	return s[:n]
}
