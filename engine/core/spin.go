package core

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/cpuid/v2"

	"github.com/dynomite-go/dynomite/engine/sock"
)

// Bounded busy-poll before the poller blocks: the policy.
//
// A poller that finds nothing to do blocks, and the next event (the
// datastore's reply, the client's next request) has to wake its thread
// again; on a small host that sleep and wake-up can cost more than the work
// of a request. So at the end of each inline callback the poller may look
// for new events of its own poller with a zero timeout, for at most the
// node's budget (Options.Spin), before it returns to netpoll's loop.
//
// This file decides whether a callback spins and keeps the counts of spins
// that found nothing; the look itself is sock.Poller.Look, at the poller's
// epoll instance, which the connection finds on its first spin. On other
// systems than Linux, and in a build with the portable tag, nothing can be
// looked at, and a node never spins (sock.CanLook is false, the budget 0).

// DefaultSpin is the spin budget when Options.Spin is 0 (README,
// "Busy-poll").
const DefaultSpin = 60 * time.Microsecond

// Spin is a node's busy-poll policy and its counts.
type Spin struct {
	Budget  int64        // ns; 0 turns spinning off
	Clients atomic.Int32 // client connections (not peers) open
	// MaxClients: with more client connections than this, nothing spins
	// (SpinClients).
	MaxClients int32
	// Kinds[i] is the back-off of the spins with i requests in flight
	// (see Sock.Spin): a spin that ends empty is wasted.
	Kinds [2]Backoff

	// Ready: events the last look or park found ready, whose callbacks
	// have not all ended (Sock.AfterCallback); kept when the node runs one poller.
	Ready atomic.Int32

	// onePoller: the node runs under one netpoll poller, whose epoll
	// instance is found once (single, under mu) for every connection.
	onePoller bool
	mu        sync.Mutex
	single    sock.Poller
}

// Init sets the budget from Options.Spin (0: DefaultSpin; negative, or a
// build that cannot spin: off) for a node running under poll.
func (s *Spin) Init(spin time.Duration, poll sock.NetpollConfig) {
	switch {
	case !sock.CanLook || spin < 0:
		s.Budget = 0
	case spin == 0:
		s.Budget = int64(DefaultSpin)
	default:
		s.Budget = int64(spin)
	}
	s.MaxClients = SpinClients()
	s.onePoller = poll.Pollers == 1
}

// SpinClients is the most client connections a node spins for: four per
// CPU of the host. With many more clients than CPUs another client's
// request is usually on its way while the poller works, so the poller
// seldom sleeps, and the CPU a spin burns is taken from the clients and
// the datastore that would end it (README, "Busy-poll").
func SpinClients() int32 {
	return int32(4 * max(Cores(runtime.NumCPU()), 1))
}

// forClients reports whether a node with n client connections spins: it
// has some, and no more than maxClients.
func (s *Spin) forClients(n int32) bool { return n > 0 && n <= s.MaxClients }

// AfterCallback ends c's callback on the poller: a spin when spin is true (a
// client's connection), then a park, unless the spin found an event ready.
//
// A look or a park that finds events ready is followed by their callbacks,
// in netpoll's current round or its next epoll_wait; until the last of
// them, a look or a park would find the others ready at once, one system
// call that changes nothing. So when the node runs one poller, the count
// found ready is kept, and the callbacks that follow end without a spin or
// a park until the last of them: three clients whose requests come
// together cost one look, not three (Spin.Ready).
func (c *Sock) AfterCallback(spin bool) {
	s := &c.env.Spin
	if n := s.Ready.Load(); n > 0 {
		s.Ready.Store(n - 1)
		if n > 1 {
			return
		}
	}
	if spin && c.Spin() {
		return
	}
	c.Park()
}

// found keeps n, the events a look or a park found ready, when the node runs
// one poller (AfterCallback).
func (s *Spin) found(n int) {
	if s.onePoller && n > 1 {
		s.Ready.Store(int32(n))
	}
}

// Spin looks for new events of c's poller until one is ready or the budget
// is spent, and reports whether one is. It runs on the poller, at the end
// of c's callback (AfterCallback).
//
// There are two kinds of spin, told apart by the requests in flight: with
// one, a reply is due (from the datastore or a peer); with none, the spin
// waits for a client's next request, which comes soon only from a client
// that sends again as soon as it is answered. Each kind backs off
// (Backoff) after spins in a row that ended empty, so a sparse client, a
// replica that only receives writes, or a slow datastore costs little CPU,
// and one hit resumes spinning.
//
// Only a node with clients of its own, no more than spinClients, spins, and
// never for a peer's request (the accepted peer connection's callback does
// not call spin): a replica that serves another node's clients
// sleeps between requests as before, so that on a host shared by several
// nodes and datastores one spinning coordinator does not take the CPU the
// replicas and datastores need to answer it.
func (c *Sock) Spin() bool {
	s := &c.env.Spin
	if s.Budget == 0 {
		return false
	}
	in := c.env.Inflight.Load()
	if in > 1 || !s.forClients(s.Clients.Load()) {
		return false
	}
	kind := &s.Kinds[in]
	if kind.Skip() {
		return false
	}
	switch got, n := c.look(s.Budget); got {
	case sock.LookReady:
		kind.Use()
		s.found(n)
		return true
	case sock.LookEmpty:
		kind.Waste()
	}
	return false
}

// look looks at c's poller until an event is ready or budget ns have
// passed (sock.Poller.Look). The connection's poller is found on its first
// look. It runs on the poller.
func (c *Sock) look(budget int64) (sock.LookResult, int) {
	c.findPoller()
	// One read of the monotonic clock, as Env.Clock makes; the deadline
	// carries it, so Look never reads the wall clock.
	epoch := c.env.Epoch
	return c.poller.Look(epoch.Add(time.Since(epoch) + time.Duration(budget)))
}

// findPoller finds c's poller on c's first look or park.
func (c *Sock) findPoller() {
	if c.poller == 0 {
		c.poller = c.env.Spin.PollerOf(c.FD)
	}
}

// PollerOf finds the poller that polls fd: once per node when it runs one
// poller, else once per connection. NoPoller when it cannot be found.
func (s *Spin) PollerOf(fd int) sock.Poller {
	if !s.onePoller {
		return sock.FindPoller(fd)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.single == 0 {
		s.single = sock.FindPoller(fd)
	}
	return s.single
}

// Cores bounds a CPU count by the logical cores cpuid reports, when it
// reports any.
func Cores(n int) int {
	if c := cpuid.CPU.LogicalCores; c > 0 && c < n {
		return c
	}
	return n
}
