package membership

import (
	"errors"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// ErrThrottled: a request toward a remote-DC peer found the conn_msg_rate
// queue full; the engine answers it with an error reply.
var ErrThrottled = errors.New("membership: peer message rate exceeded")

// Throttle is `conn_msg_rate` for one remote-DC peer (docs/compat.md §9.6):
// a token bucket of that many requests per second, full at start. A
// request that finds no token waits for the next one in a bounded queue;
// one that would make the queue longer than its bound is refused at once.
// C defers the send to a later write event with no bound, refills the
// bucket once per whole second and has no error; here the refill is
// continuous and the wait bounded.
//
// It reads no clock: now comes with each call, from one clock the caller
// keeps monotonic. Every method is safe for concurrent use; Admit does not
// allocate.
type Throttle struct {
	lim      *rate.Limiter
	maxDelay time.Duration

	sent, delayed, refused atomic.Uint64
}

// ThrottleStats count what a Throttle decided.
type ThrottleStats struct {
	Sent    uint64 // admitted at once
	Delayed uint64 // admitted after a wait
	Refused uint64 // refused with ErrThrottled
}

// NewThrottle returns a Throttle of perSecond requests per second whose
// queue holds at most queue waiting requests (queue < 1 is one second's
// worth, perSecond). perSecond < 1 means no limit.
func NewThrottle(perSecond, queue int) *Throttle {
	if perSecond < 1 {
		return &Throttle{lim: rate.NewLimiter(rate.Inf, 0)}
	}
	if queue < 1 {
		queue = perSecond
	}
	return &Throttle{
		lim:      rate.NewLimiter(rate.Limit(perSecond), perSecond),
		maxDelay: time.Duration(float64(queue) / float64(perSecond) * float64(time.Second)),
	}
}

// Admit takes a token for one request at now. It returns 0 when the
// request may go now, a wait d > 0 when its token is due at now+d (the
// request joins the queue: the caller sends it then, and must not call
// Admit again for it), or ErrThrottled when the queue is full (nothing is
// taken).
func (t *Throttle) Admit(now time.Time) (time.Duration, error) {
	if t.lim.AllowN(now, 1) {
		t.sent.Add(1)
		return 0, nil
	}
	r := t.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if !r.OK() || d > t.maxDelay {
		r.CancelAt(now)
		t.refused.Add(1)
		return 0, ErrThrottled
	}
	t.delayed.Add(1)
	return d, nil
}

// Stats returns the counters.
func (t *Throttle) Stats() ThrottleStats {
	return ThrottleStats{Sent: t.sent.Load(), Delayed: t.delayed.Load(), Refused: t.refused.Load()}
}
