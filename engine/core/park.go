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
// replica is about once per copy it serves. A parked poller instead waits
// in epoll_pwait on its own epoll instance at the end of the callback, for
// at most the park bound; an event of any connection of that poller ends
// the wait, and netpoll's loop then finds that event ready (every
// registration is level-triggered) and handles it without the yield.
// The P stays idle meanwhile for every other goroutine (timers, writers).
//
// A park that finds an event ready at once costs one system call: BackoffAfter
// such parks in a row make parking back off (Backoff), so a
// poller that always has work (many busy clients) seldom parks, and one
// park that waits resumes parking.
//
// A node whose pollers take every P does not park: its yield wakes no
// thread, and a parked poller would hold the only P its other goroutines
// can run on until the runtime takes it back. Neither does a build that
// cannot look at a poller (sock.CanLook).

// Park is a node's parking policy and its counts.
type Park struct {
	MS int // the bound in milliseconds; 0 turns parking off
	// Backoff: a park that finds an event ready at once is wasted.
	Backoff
	Waited atomic.Int64 // parks that found nothing at once and waited
}

// Init sets the bound from Options.Park, rounded up to whole milliseconds,
// for a node running under poll: off (0) when Options.Park is not
// positive, in a build that cannot look, and on a node whose pollers take
// every P.
//
// Parking is off unless asked for: on 2 CPUs shared by 3 nodes, their
// datastores and the load, it made DC_QUORUM faster at low concurrency and
// DC_ONE slower (README, "Parking").
func (p *Park) Init(park time.Duration, poll sock.NetpollConfig) {
	if !sock.CanLook || park <= 0 || poll.Pollers >= runtime.GOMAXPROCS(0) {
		p.MS = 0
		return
	}
	p.MS = int((park + time.Millisecond - 1) / time.Millisecond)
}

// Park waits at the end of c's callback, on c's poller, until an event is
// ready or the bound passes (see above). It runs on the poller, after the
// callback's batch is written and after Spin.
func (c *Sock) Park() {
	p := &c.env.Park
	if p.MS == 0 {
		return
	}
	if p.Skip() {
		return
	}
	if c.poller == 0 {
		c.poller = c.env.Spin.PollerOf(c.FD)
	}
	switch c.poller.Park(p.MS) {
	case sock.LookReady:
		p.Waste()
	case sock.LookWoken, sock.LookEmpty:
		p.Waited.Add(1)
		p.Use()
	}
}
