//go:build !race

package batch

import "testing"

type nopWriter struct{ n int }

func (w *nopWriter) WriteQueued(int64) { w.n++ }

type nopFlusher struct{ n int }

func (f *nopFlusher) Flush() { f.n++ }

// A batch of up to Cap entries of each kind, taken and run, allocates
// nothing: the interface values hold pointers.
func TestAllocsWithinCap(t *testing.T) {
	var ws [Cap]nopWriter
	var fs [Cap]nopFlusher
	var b Batch
	n := testing.AllocsPerRun(1000, func() {
		for i := range Cap {
			b.Write(&ws[i])
			b.Write(&ws[i])
			b.Flush(&fs[i])
		}
		if !b.Flushes(&fs[Cap-1]) {
			panic("lost a flush")
		}
		taken := b.Take()
		taken.Run()
	})
	if n != 0 {
		t.Fatalf("unexpected allocations in a batch within Cap; got %v; want 0", n)
	}
	if ws[0].n == 0 || fs[0].n == 0 {
		t.Fatal("the batch did not run")
	}
}
