//go:build !race

package fifo

import "testing"

// A queue that has grown to its peak allocates nothing afterwards.
func TestAllocsSteadyState(t *testing.T) {
	var q Queue[*int]
	v := new(int)
	for range 32 {
		q.Push(v)
	}
	for q.Len() > 0 {
		q.Pop()
	}
	n := testing.AllocsPerRun(1000, func() {
		for range 32 {
			q.Push(v)
		}
		for q.Len() > 0 {
			q.Pop()
		}
	})
	if n != 0 {
		t.Fatalf("unexpected allocations in Push and Pop below the peak; got %v; want 0", n)
	}
}
