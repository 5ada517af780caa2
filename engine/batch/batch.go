// Package batch is the end-of-callback work of a poller callback: the one
// place where what a callback makes for other connections is collected and
// done, once each, when the callback ends.
//
// A callback (a client's input, a datastore's or a peer's replies, the
// close of a dialled connection) queues requests on dialled connections and
// gives replies to accepted ones. Neither is written at once: a dialled
// connection that became busy is written once at the end, with every
// request the callback's frames queued on it (the cross-client coalescing),
// and an accepted connection that got replies is flushed once at the end,
// with all of them. Writes go first, so that requests leave before the
// replies of the same batch are flushed.
//
// The connections are seen through two small interfaces, Writer and
// Flusher, that the engine's dialled and accepted connections implement.
// Up to Cap entries of each kind are held in fixed arrays: a batch that
// stays within them allocates nothing, and one that goes past keeps its
// overflow room for the next callback.
//
// Imports: only the standard library; it must not import anything of
// dynomite-go.
//
// Concurrency: a Batch is not safe for concurrent use. It is owned by one
// callback at a time: a dialled connection's lives in the connection and is
// used by its poller only; an accepted connection's is filled under its
// input lock and taken out (Take) before it runs, so that a resumed input
// may fill it again meanwhile.
package batch

// Writer is a connection whose queued requests a batch writes.
type Writer interface {
	// WriteQueued writes what is queued on the connection; now is the
	// clock of the batch's input (0: none read), for the deadlines of the
	// requests written.
	WriteQueued(now int64)
}

// Flusher is a connection whose pending replies a batch flushes.
type Flusher interface {
	// Flush writes the connection's pending replies.
	Flush()
}

// Cap is the number of entries of each kind a Batch holds without
// allocating: a callback seldom touches more connections than that.
const Cap = 8

// Batch is the end-of-callback work of one callback. The zero value is an
// empty batch ready to use.
type Batch struct {
	// Now is the clock of the callback's input (0: none read): Run gives
	// it to every WriteQueued. Take and Run leave it as it is.
	Now int64

	nw, nf int
	w      [Cap]Writer  // connections to write
	f      [Cap]Flusher // connections to flush
	moreW  []Writer     // past Cap
	moreF  []Flusher    // past Cap
}

// Write asks for one WriteQueued of w when the batch runs. Repeats before
// the run are ignored.
func (b *Batch) Write(w Writer) {
	for i := 0; i < b.nw; i++ {
		if b.w[i] == w {
			return
		}
	}
	if b.nw < Cap {
		b.w[b.nw] = w
		b.nw++
		return
	}
	for _, o := range b.moreW {
		if o == w {
			return
		}
	}
	b.moreW = append(b.moreW, w)
}

// Flush asks for one Flush of f when the batch runs. Repeats are not
// looked for: the caller adds f once until its flush (the engine keeps a
// flag under the connection's lock).
func (b *Batch) Flush(f Flusher) {
	if b.nf < Cap {
		b.f[b.nf] = f
		b.nf++
		return
	}
	b.moreF = append(b.moreF, f)
}

// Take moves b's entries to the Batch it returns and empties b; both keep
// Now. The overflow, rare, moves with the copy, so b allocates anew if it
// overflows again.
func (b *Batch) Take() Batch {
	t := *b
	b.nw, b.nf = 0, 0
	b.moreW, b.moreF = nil, nil
	return t
}

// Flushes reports whether the batch will flush f.
func (b *Batch) Flushes(f Flusher) bool {
	for i := 0; i < b.nf; i++ {
		if b.f[i] == f {
			return true
		}
	}
	for _, o := range b.moreF {
		if o == f {
			return true
		}
	}
	return false
}

// Run does the batch: every write, in the order asked, then every flush,
// in the order asked; then the batch is empty and holds no connection.
func (b *Batch) Run() {
	for i := 0; i < b.nw; i++ {
		w := b.w[i]
		b.w[i] = nil
		w.WriteQueued(b.Now)
	}
	for i, w := range b.moreW {
		b.moreW[i] = nil
		w.WriteQueued(b.Now)
	}
	for i := 0; i < b.nf; i++ {
		f := b.f[i]
		b.f[i] = nil
		f.Flush()
	}
	for i, f := range b.moreF {
		b.moreF[i] = nil
		f.Flush()
	}
	b.nw, b.nf = 0, 0
	b.moreW, b.moreF = b.moreW[:0], b.moreF[:0]
}
