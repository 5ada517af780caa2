package core

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/engine/sock"
)

// Parking a poller on its own epoll instance: the policy.
//
// When a callback ends and no event is ready, netpoll's loop yields
// (runtime.Gosched) before it blocks in epoll_wait. With an idle P, which a
// node has when it runs fewer pollers than GOMAXPROCS (a cluster node,
// cmd/dynomite's clusterProcs), that yield wakes another thread to take
// the idle P; the thread finds nothing to run and sleeps again: two futex
// calls and two thread switches each time a poller runs dry, which on a
// replica is about twice per copy it serves. A parked poller instead waits
// in epoll_pwait on its own epoll instance at the end of the callback, for
// at most the park bound; an event of any connection of that poller ends
// the wait, and netpoll's loop then finds that event ready (every
// registration is level-triggered) and handles it without the yield.
// The wait is a raw system call (sock.Poller.Park says why): the poller
// keeps its P, and the idle P runs every other goroutine (timers, writers,
// the stats endpoint).
//
// A park that finds an event ready at once costs one system call, and a
// busy poller (many clients) would pay it at the end of almost every
// callback: after parkBackoffAfter such parks in a row parking backs off
// (Backoff), and one park that waits resumes it. The threshold is high
// because a poller that skips a park it needed pays the yield above, worth
// many wasted parks: measured on a coordinator of 8 clients, a threshold of
// 4 left 0.24 futex calls per request, 32 left 0.06.
//
// A node whose pollers take every P does not park: its yield wakes no
// thread, and a parked poller would hold the only P its other goroutines
// can run on. Neither does a build that cannot look at a poller
// (sock.CanLook).

// DefaultPark is the park bound when Options.Park is 0. It bounds how long
// a parked poller keeps netpoll's loop waiting; every event of its own
// ends a park sooner.
const DefaultPark = 2 * time.Millisecond

// parkBackoffAfter parks in a row that find an event ready at once make
// parking back off; parkAtOnce is how soon a park that found an event
// counts as ready at once (no sleep and wake-up of a thread takes less).
const (
	parkBackoffAfter = 32
	parkAtOnce       = 5 * time.Microsecond
)

// Park is a node's parking policy and its counts.
type Park struct {
	MS int // the bound in milliseconds; 0 turns parking off
	// Backoff: a park that finds an event ready at once is wasted.
	Backoff
	Waited atomic.Int64 // parks that waited
}

// Init sets the bound from Options.Park (DefaultPark when 0), rounded up
// to whole milliseconds, for a node running under poll: off (0) when
// Options.Park is negative, in a build that cannot look, and on a node
// whose pollers take every P.
func (p *Park) Init(park time.Duration, poll sock.NetpollConfig) {
	if park == 0 {
		park = DefaultPark
	}
	if !sock.CanLook || park < 0 || poll.Pollers >= runtime.GOMAXPROCS(0) {
		p.MS = 0
		return
	}
	p.MS = int((park + time.Millisecond - 1) / time.Millisecond)
	p.After = parkBackoffAfter
}

// Park waits at the end of c's callback, on c's poller, until an event is
// ready or the bound passes (see above). It runs on the poller, after the
// callback's batch is written and after Spin (AfterCallback).
func (c *Sock) Park() {
	p := &c.env.Park
	if p.MS == 0 || p.Skip() {
		return
	}
	c.findPoller()
	start := c.env.Clock()
	switch got, n := c.poller.Park(p.MS); got {
	case sock.LookReady:
		c.env.Spin.found(n)
		if c.env.Clock()-start < int64(parkAtOnce) {
			p.Waste()
			return
		}
		fallthrough
	case sock.LookEmpty:
		p.Waited.Add(1)
		p.Use()
	}
}
