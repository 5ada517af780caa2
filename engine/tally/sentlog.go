package tally

// SentLog is a queue of runs of consecutive FIFO msgs handed to the socket
// at one clock, so that a send touches no msg: a reply takes the clock of
// the oldest batch. Its slice is reused, so a steady load allocates
// nothing.
type SentLog struct {
	b    []sentBatch
	head int
}

type sentBatch struct {
	n  int   // msgs of the batch not yet answered
	at int64 // node clock of the send
}

// Push records a batch of n msgs sent at clock at.
func (l *SentLog) Push(n int, at int64) {
	if l.head == len(l.b) {
		l.b, l.head = l.b[:0], 0
	} else if l.head > 0 && len(l.b) == cap(l.b) {
		l.b = l.b[:copy(l.b, l.b[l.head:])]
		l.head = 0
	}
	l.b = append(l.b, sentBatch{n: n, at: at})
}

// Pop returns the send clock of the oldest msg sent and unanswered, and
// forgets that msg; 0 when none is recorded.
func (l *SentLog) Pop() int64 {
	if l.head == len(l.b) {
		return 0
	}
	e := &l.b[l.head]
	e.n--
	if e.n <= 0 {
		l.head++
	}
	return e.at
}

// Reset forgets every batch (the connection closed).
func (l *SentLog) Reset() { l.b, l.head = l.b[:0], 0 }
