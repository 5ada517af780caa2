package core

import "sync/atomic"

// Backoff is the back-off the busy-poll and parking share: an attempt
// (a spin, a park) is wasted when it finds what it waits for useless (a
// spin that finds nothing, a park that finds an event ready at once).
// After After (BackoffAfter when 0) wasted attempts in a row only one
// attempt in backoffProbe runs, and one attempt that is not wasted resumes
// every attempt. Safe from any goroutine; After is set before use.
type Backoff struct {
	After   int32        // wasted attempts in a row that start the back-off; 0: BackoffAfter
	Wasted  atomic.Int32 // attempts in a row that were wasted (capped at After)
	Skipped atomic.Int32 // attempts considered while backing off
}

// BackoffAfter wasted attempts in a row make a Backoff skip all but one
// attempt in backoffProbe.
const (
	BackoffAfter = 4
	backoffProbe = 16
)

// Skip reports whether the attempt about to be made is skipped.
func (b *Backoff) Skip() bool {
	return b.Wasted.Load() >= b.after() && b.Skipped.Add(1)%backoffProbe != 0
}

// Waste records a wasted attempt.
func (b *Backoff) Waste() {
	if b.Wasted.Load() < b.after() {
		b.Wasted.Add(1)
	}
}

func (b *Backoff) after() int32 {
	if b.After > 0 {
		return b.After
	}
	return BackoffAfter
}

// Use records an attempt that was not wasted.
func (b *Backoff) Use() {
	if b.Wasted.Load() != 0 {
		b.Wasted.Store(0)
	}
}
