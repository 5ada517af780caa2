package fifo

import (
	"flag"
	"math/rand/v2"
	"testing"
)

var seed = flag.Uint64("fifo.seed", 0, "seed of TestAgainstSlice (0: a random one)")

func TestEmpty(t *testing.T) {
	var q Queue[*int]
	if q.Len() != 0 || q.Peek() != nil || q.Pop() != nil {
		t.Fatalf("unexpected empty queue; got Len %d, Peek %v, Pop %v; want 0, nil, nil", q.Len(), q.Peek(), q.Pop())
	}
	var v Queue[int]
	if v.Peek() != 0 || v.Pop() != 0 {
		t.Fatalf("unexpected zero values of an empty queue; got %d and %d; want 0", v.Peek(), v.Pop())
	}
}

func TestOrderAcrossWrapAndGrowth(t *testing.T) {
	var q Queue[int]
	next, want := 0, 0
	f := func(push, pop int) {
		t.Helper()
		for range push {
			q.Push(next)
			next++
		}
		for range pop {
			if got := q.Peek(); got != want {
				t.Fatalf("unexpected Peek; got %d; want %d", got, want)
			}
			if got := q.Pop(); got != want {
				t.Fatalf("unexpected Pop; got %d; want %d", got, want)
			}
			want++
		}
		if got := q.Len(); got != next-want {
			t.Fatalf("unexpected Len; got %d; want %d", got, next-want)
		}
		for i := range q.Len() {
			if got := q.At(i); got != want+i {
				t.Fatalf("unexpected At(%d); got %d; want %d", i, got, want+i)
			}
		}
	}
	f(5, 3)  // head moves to 3
	f(6, 0)  // 8 elements wrapping round the first ring
	f(1, 0)  // grows to 16 while wrapped
	f(20, 7) // grows to 32
	f(0, 22) // empty again
	f(40, 40)
}

func TestGrowsByDoublingAndNeverShrinks(t *testing.T) {
	var q Queue[int]
	f := func(n, wantSlots int) {
		t.Helper()
		for q.Len() < n {
			q.Push(q.Len())
		}
		if got := len(q.buf); got != wantSlots {
			t.Fatalf("unexpected slots for %d elements; got %d; want %d", n, got, wantSlots)
		}
	}
	f(0, 0)
	f(1, 8)
	f(8, 8)
	f(9, 16)
	f(17, 32)
	for q.Len() > 0 {
		q.Pop()
	}
	if got := len(q.buf); got != 32 {
		t.Fatalf("unexpected slots once emptied; got %d; want 32", got)
	}
}

func TestPopClearsItsSlot(t *testing.T) {
	var q Queue[*int]
	for i := range 10 {
		q.Push(&i)
	}
	for range 10 {
		q.Pop()
	}
	for i, p := range q.buf {
		if p != nil {
			t.Fatalf("unexpected reference kept in slot %d after Pop; got %p; want nil", i, p)
		}
	}
}

// TestAgainstSlice runs random pushes and pops on a Queue and on a plain
// slice and compares them after every step.
func TestAgainstSlice(t *testing.T) {
	s := *seed
	if s == 0 {
		s = rand.Uint64()
	}
	r := rand.New(rand.NewPCG(s, 0))
	var q Queue[int]
	var ref []int
	for step := range 20000 {
		if r.IntN(5) < 3 || len(ref) == 0 && r.IntN(2) == 0 {
			q.Push(step)
			ref = append(ref, step)
		} else {
			want := 0
			if len(ref) > 0 {
				want, ref = ref[0], ref[1:]
			}
			if got := q.Pop(); got != want {
				t.Fatalf("seed %d, step %d: unexpected Pop; got %d; want %d", s, step, got, want)
			}
		}
		if q.Len() != len(ref) {
			t.Fatalf("seed %d, step %d: unexpected Len; got %d; want %d", s, step, q.Len(), len(ref))
		}
		if len(ref) > 0 {
			i := r.IntN(len(ref))
			if got := q.At(i); got != ref[i] {
				t.Fatalf("seed %d, step %d: unexpected At(%d); got %d; want %d", s, step, i, got, ref[i])
			}
		}
	}
}
