package batch

import (
	"fmt"
	"slices"
	"testing"
)

// log records the calls the fakes get, in order.
type log []string

type fakeWriter struct {
	name string
	log  *log
}

func (w *fakeWriter) WriteQueued(now int64) {
	*w.log = append(*w.log, fmt.Sprintf("write %s at %d", w.name, now))
}

type fakeFlusher struct {
	name string
	log  *log
}

func (f *fakeFlusher) Flush() { *f.log = append(*f.log, "flush "+f.name) }

func writers(l *log, n int) []*fakeWriter {
	ws := make([]*fakeWriter, n)
	for i := range ws {
		ws[i] = &fakeWriter{name: fmt.Sprint("w", i), log: l}
	}
	return ws
}

func flushers(l *log, n int) []*fakeFlusher {
	fs := make([]*fakeFlusher, n)
	for i := range fs {
		fs[i] = &fakeFlusher{name: fmt.Sprint("f", i), log: l}
	}
	return fs
}

func expectLog(t *testing.T, got *log, want ...string) {
	t.Helper()
	if !slices.Equal(*got, want) {
		t.Fatalf("unexpected calls; got %q; want %q", *got, want)
	}
	*got = (*got)[:0]
}

func TestWritesBeforeFlushesInOrderAsked(t *testing.T) {
	var l log
	ws, fs := writers(&l, 2), flushers(&l, 2)
	var b Batch
	b.Now = 42
	b.Flush(fs[1])
	b.Write(ws[1])
	b.Flush(fs[0])
	b.Write(ws[0])
	b.Run()
	expectLog(t, &l, "write w1 at 42", "write w0 at 42", "flush f1", "flush f0")
	b.Run()
	expectLog(t, &l)
}

func TestWriteOnce(t *testing.T) {
	var l log
	ws := writers(&l, 2)
	var b Batch
	for range 3 {
		b.Write(ws[0])
		b.Write(ws[1])
	}
	b.Run()
	expectLog(t, &l, "write w0 at 0", "write w1 at 0")
}

func TestOverflowPastCap(t *testing.T) {
	const n = 2*Cap + 3
	var l log
	ws, fs := writers(&l, n), flushers(&l, n)
	var b Batch
	for round := range 2 { // the second round reuses the overflow room
		var want []string
		for i := range n {
			b.Write(ws[i])
			b.Write(ws[i]) // a repeat past Cap is ignored too
			b.Flush(fs[i])
			want = append(want, fmt.Sprint("write w", i, " at 0"))
		}
		for i := range n {
			want = append(want, fmt.Sprint("flush f", i))
			if !b.Flushes(fs[i]) {
				t.Fatalf("round %d: unexpected Flushes(f%d); got false; want true", round, i)
			}
		}
		b.Run()
		expectLog(t, &l, want...)
		if b.Flushes(fs[n-1]) {
			t.Fatalf("round %d: unexpected Flushes after Run; got true; want false", round)
		}
	}
}

func TestFlushes(t *testing.T) {
	var l log
	fs := flushers(&l, 2)
	var b Batch
	b.Flush(fs[0])
	if !b.Flushes(fs[0]) || b.Flushes(fs[1]) {
		t.Fatalf("unexpected Flushes; got %v and %v; want true and false", b.Flushes(fs[0]), b.Flushes(fs[1]))
	}
}

func TestTakeEmpties(t *testing.T) {
	var l log
	ws, fs := writers(&l, Cap+1), flushers(&l, Cap+1)
	var b Batch
	b.Now = 7
	for i := range Cap + 1 {
		b.Write(ws[i])
		b.Flush(fs[i])
	}
	got := b.Take()
	if b.Now != 7 || got.Now != 7 {
		t.Fatalf("unexpected Now after Take; got %d and %d; want 7 and 7", b.Now, got.Now)
	}
	if b.Flushes(fs[0]) || b.Flushes(fs[Cap]) {
		t.Fatal("unexpected flush left in the batch taken from")
	}
	b.Run()
	expectLog(t, &l)

	// The emptied batch fills again while the taken one is pending.
	b.Write(ws[0])
	var want []string
	for i := range Cap + 1 {
		want = append(want, fmt.Sprint("write w", i, " at 7"))
	}
	for i := range Cap + 1 {
		want = append(want, fmt.Sprint("flush f", i))
	}
	got.Run()
	expectLog(t, &l, want...)
	b.Run()
	expectLog(t, &l, "write w0 at 7")
}

func TestRunDropsItsReferences(t *testing.T) {
	var l log
	ws, fs := writers(&l, Cap+1), flushers(&l, Cap+1)
	var b Batch
	for i := range Cap + 1 {
		b.Write(ws[i])
		b.Flush(fs[i])
	}
	b.Run()
	for i := range Cap {
		if b.w[i] != nil || b.f[i] != nil {
			t.Fatalf("unexpected connection kept in slot %d after Run", i)
		}
	}
	if len(b.moreW) != 0 || len(b.moreF) != 0 || b.moreW[:1][0] != nil || b.moreF[:1][0] != nil {
		t.Fatal("unexpected connection kept in the overflow after Run")
	}
}
