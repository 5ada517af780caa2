package tally

import "testing"

// SentLog gives every msg the clock of its batch, in fifo order, and keeps
// its slice bounded by the batches in flight under a steady load.
func TestSentLog(t *testing.T) {
	var l SentLog
	if got := l.Pop(); got != 0 {
		t.Fatalf("pop of an empty log; got %d; want 0", got)
	}
	l.Push(2, 10)
	l.Push(1, 20)
	l.Push(3, 30)
	for i, want := range []int64{10, 10, 20, 30, 30, 30, 0} {
		if got := l.Pop(); got != want {
			t.Fatalf("pop %d; got %d; want %d", i, got, want)
		}
	}
	// Steady load: four batches in flight, one answered per batch sent.
	for i := 0; i < 4; i++ {
		l.Push(1, int64(i+1))
	}
	limit := cap(l.b)
	for i := 4; i < 10000; i++ {
		l.Push(1, int64(i+1))
		if got, want := l.Pop(), int64(i-3); got != want {
			t.Fatalf("steady pop %d; got %d; want %d", i, got, want)
		}
	}
	if cap(l.b) > 2*limit+8 {
		t.Fatalf("log grew under a steady load; cap %d, was %d", cap(l.b), limit)
	}
	if allocs := testing.AllocsPerRun(1000, func() { l.Push(1, 1); l.Pop() }); allocs != 0 {
		t.Fatalf("steady push and pop allocate; got %v allocs; want 0", allocs)
	}
	l.Reset()
	if got := l.Pop(); got != 0 {
		t.Fatalf("pop after reset; got %d; want 0", got)
	}
}
