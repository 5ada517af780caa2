// Package fifo is a first-in first-out queue in a ring buffer: the engine's
// per-connection queues of requests (a client's in reply order, a dialled
// connection's in send order).
//
// A Queue grows on demand, doubling from 8 slots, and never shrinks: its
// length is bounded by its user (the per-client pipeline bound, max_msgs),
// so it keeps the room its peak needed and a steady load allocates nothing.
// A popped slot is cleared, so that the queue holds no reference to what
// left it.
//
// Imports: only the standard library; it must not import anything of
// dynomite-go.
//
// Concurrency: a Queue is not safe for concurrent use; its owner serialises
// every call.
package fifo

// minSize is the number of slots of a Queue's first allocation: a
// connection with requests in flight seldom has fewer.
const minSize = 8

// Queue is a FIFO of T. The zero value is an empty queue ready to use.
type Queue[T any] struct {
	buf  []T // len is 0 or a power of two
	head int // index of the oldest element
	n    int // number of elements
}

// Len returns the number of elements in q.
func (q *Queue[T]) Len() int { return q.n }

// Push appends v as the newest element.
func (q *Queue[T]) Push(v T) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = v
	q.n++
}

// Peek returns the oldest element, or the zero T when q is empty.
func (q *Queue[T]) Peek() T {
	if q.n == 0 {
		var zero T
		return zero
	}
	return q.buf[q.head]
}

// At returns the i-th oldest element (At(0) is Peek's). i must be in
// [0, Len()); outside it the result is undefined or At panics.
func (q *Queue[T]) At(i int) T { return q.buf[(q.head+i)&(len(q.buf)-1)] }

// Pop removes and returns the oldest element, or returns the zero T when q
// is empty.
func (q *Queue[T]) Pop() T {
	var zero T
	if q.n == 0 {
		return zero
	}
	v := q.buf[q.head]
	q.buf[q.head] = zero
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
	return v
}

// grow doubles the ring of a full q (the first one has minSize slots) and
// moves the elements to its start, oldest first. It copies with the copy builtin,
// not a loop, so that Push, with grow in it, stays cheap enough to inline.
func (q *Queue[T]) grow() {
	nb := make([]T, max(2*len(q.buf), minSize))
	k := copy(nb, q.buf[q.head:])
	copy(nb[k:], q.buf[:q.head])
	q.buf, q.head = nb, 0
}
