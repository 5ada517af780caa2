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

// Spin looks for new events of c's poller until one is ready or the budget
// is spent. It runs on the poller, at the end of c's callback.
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
func (c *Sock) Spin() {
	s := &c.env.Spin
	if s.Budget == 0 {
		return
	}
	in := c.env.Inflight.Load()
	if in > 1 || !s.forClients(s.Clients.Load()) {
		return
	}
	kind := &s.Kinds[in]
	if kind.Skip() {
		return
	}
	switch c.look(s.Budget) {
	case sock.LookReady:
		kind.Use()
	case sock.LookEmpty:
		kind.Waste()
	}
}

// look looks at c's poller until an event is ready or budget ns have
// passed (sock.Poller.Look). The connection's poller is found on its first
// look. It runs on the poller.
func (c *Sock) look(budget int64) sock.LookResult {
	if c.poller == 0 {
		c.poller = c.env.Spin.PollerOf(c.FD)
	}
	// One read of the monotonic clock, as Env.Clock makes; the deadline
	// carries it, so Look never reads the wall clock.
	epoch := c.env.Epoch
	return c.poller.Look(epoch.Add(time.Since(epoch) + time.Duration(budget)))
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
