package engine

// The batch: the one place where the work a poller callback makes for
// other connections is collected and done, once each, when the callback
// ends.
//
// A callback (a client's input, a datastore's or a peer's replies, the
// close of a dialled connection) queues requests on dialled connections
// and gives replies to accepted ones. Neither is written at once: a dialled
// connection that became busy is written once at the end, with every
// request all the callback's frames queued on it (the cross-client
// coalescing), and an accepted connection that got replies is flushed once
// at the end, with all of them. Writes go first, so that requests leave
// before the replies of the same batch are flushed.
//
// A batch is owned by one callback at a time: a dialled connection's lives
// in the connection and is used by its poller only; an accepted
// connection's is filled under its input lock and copied out (take) before
// it runs, so that a resumed input may fill it again meanwhile.

// batchCap is the number of entries of each kind a batch holds without
// allocating; a callback seldom touches more.
const batchCap = 8

// batch is the end-of-callback work of one callback.
type batch struct {
	// now is the clock of the callback's input (0: none read): the
	// writes stamp their deadlines with it.
	now    int64
	nw, nf int
	w      [batchCap]*dialled  // dialled connections to write
	f      [batchCap]*accepted // accepted connections to flush
	moreW  []*dialled
	moreF  []*accepted
}

// write asks for one write of s's queue at the end of the batch: s became
// busy (writerInline) in this callback. Repeats are ignored.
func (b *batch) write(s *dialled) {
	for i := 0; i < b.nw; i++ {
		if b.w[i] == s {
			return
		}
	}
	if b.nw < batchCap {
		b.w[b.nw] = s
		b.nw++
		return
	}
	for _, o := range b.moreW {
		if o == s {
			return
		}
	}
	b.moreW = append(b.moreW, s)
}

// flush asks for one flush of c at the end of the batch. The caller has
// just set c.dirty under c.mu, so c is added once until its flush.
func (b *batch) flush(c *accepted) {
	if b.nf < batchCap {
		b.f[b.nf] = c
		b.nf++
		return
	}
	b.moreF = append(b.moreF, c)
}

// take moves the batch's entries to a copy and empties b (b.now stays).
// The overflow slices, rare, move with the copy.
func (b *batch) take() batch {
	t := *b
	b.nw, b.nf = 0, 0
	b.moreW, b.moreF = nil, nil
	return t
}

// flushes reports whether the batch flushes c.
func (b *batch) flushes(c *accepted) bool {
	for i := 0; i < b.nf; i++ {
		if b.f[i] == c {
			return true
		}
	}
	for _, o := range b.moreF {
		if o == c {
			return true
		}
	}
	return false
}

// run does the batch: every write, then every flush, each once; then the
// batch is empty.
func (b *batch) run() {
	for i := 0; i < b.nw; i++ {
		s := b.w[i]
		b.w[i] = nil
		s.writeInline(b.now)
	}
	for i, s := range b.moreW {
		b.moreW[i] = nil
		s.writeInline(b.now)
	}
	for i := 0; i < b.nf; i++ {
		c := b.f[i]
		b.f[i] = nil
		c.flushClient()
	}
	for i, c := range b.moreF {
		b.moreF[i] = nil
		c.flushClient()
	}
	b.nw, b.nf = 0, 0
	b.moreW, b.moreF = b.moreW[:0], b.moreF[:0]
}
