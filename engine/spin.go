package engine

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Bounded busy-poll before the poller blocks.
//
// A poller that finds nothing to do blocks in epoll_wait, and the next
// event (the datastore's reply, the client's next request) has to wake
// its thread again. On the machines the engine was measured on (2 vCPU
// virtual machines) a sleep and wake-up of the poller thread costs more
// than the work of a request: at one unpipelined connection the proxy
// added 19-30 µs to Redis' round trip, most of it two wake-ups.
//
// So at the end of each inline callback the poller may look for new events
// of its own epoll instance with a zero timeout, for at most the budget,
// before it returns to netpoll's loop. netpoll registers connections
// level-triggered, so looking does not consume an event: when the look sees
// one, netpoll's next non-blocking epoll_wait reports it again and the
// poller handles it without having slept. A callback that is not the last
// of its batch sees the rest of the batch still ready and returns at once.
// The one edge-triggered registration netpoll makes (its dialer waiting
// for writability) would be lost to a look, so the engine does not use
// netpoll's dialer: dialConnected (dial.go) connects the socket itself and
// registers the connected socket with netpoll, level-triggered.
//
// netpoll does not export its epoll descriptor; the poller's descriptor is
// found once per connection from /proc/self/fdinfo (the epoll instance
// that lists the connection's descriptor). Where that fails, nothing spins.

// defaultSpin is the spin budget when DYNOMITE_SPIN_US is unset.
const defaultSpin = 60_000

// spinMisses empty spins in a row make a kind of spin back off to one in
// spinProbe.
const (
	spinMisses = 4
	spinProbe  = 16
)

type spinPoll struct {
	budget  int64        // ns; 0 turns spinning off
	clients atomic.Int32 // client connections (not peers) open
	// maxClients: with more client connections than this, nothing spins
	// (spinClients).
	maxClients int32
	// kinds[i] counts the spins with i requests in flight (see spin).
	kinds [2]struct {
		misses  atomic.Int32 // spins in a row that ended empty (capped)
		skipped atomic.Int32 // spins considered while backing off
	}

	mu     sync.Mutex
	single int32 // the epoll fd when netpoll runs one poller (resolved once)
}

// spinClients is the most client connections a node spins for: four per
// CPU of the host. With many more clients than CPUs, another client's
// request is usually on its way while the poller works, so the poller
// seldom sleeps; and the CPU a spin burns is taken from the clients and
// the datastore that would end it. Measured on a 2-CPU host with the load
// generator and Redis on the same CPUs, alternating runs against the same
// Redis: with 2 threads x 50 clients, 72-92k requests/s spinning against
// 80-103k without (means 83k over 6 runs against 90k over 9); with 2 x 4
// clients spinning was as fast or faster (means 40k against 38k) for
// about 1.5 µs more CPU per request; on one connection spinning gave
// Redis direct's round trip, 46 µs longer without.
func spinClients() int32 {
	return int32(4 * max(cores(runtime.NumCPU()), 1))
}

// spinFor returns the spin budget in ns: DYNOMITE_SPIN_US when set, else def.
func spinFor(def int64) int64 {
	if v := os.Getenv("DYNOMITE_SPIN_US"); v != "" {
		if us, err := strconv.Atoi(v); err == nil && us >= 0 {
			return int64(us) * 1000
		}
	}
	return def
}

// epfdOf resolves the epoll instance that polls fd: 0 when unknown yet,
// -1 when it cannot be found.
func (s *spinPoll) epfdOf(fd int) int32 {
	if netpollPollers == 1 {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.single == 0 {
			s.single = findEpoll(fd)
		}
		return s.single
	}
	return findEpoll(fd)
}

// findEpoll scans the process' epoll descriptors for the one that lists fd.
func findEpoll(fd int) int32 {
	dir, err := os.Open("/proc/self/fd")
	if err != nil {
		return -1
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return -1
	}
	want := strconv.Itoa(fd)
	for _, name := range names {
		link, err := os.Readlink("/proc/self/fd/" + name)
		if err != nil || link != "anon_inode:[eventpoll]" {
			continue
		}
		info, err := os.ReadFile("/proc/self/fdinfo/" + name)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(info), "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && f[0] == "tfd:" && f[1] == want {
				ep, _ := strconv.Atoi(name)
				return int32(ep)
			}
		}
	}
	return -1
}

// forClients reports whether a node with n client connections spins: it
// has some, and no more than maxClients.
func (s *spinPoll) forClients(n int32) bool { return n > 0 && n <= s.maxClients }

// spin looks for new events of c's poller until one is ready or the budget
// is spent. It runs on the poller, at the end of c's callback.
//
// There are two kinds of spin, told apart by the requests in flight: with
// one, a reply is due (from the datastore or a peer); with none, the spin
// waits for a client's next request, which comes soon only from a client
// that sends again as soon as it is answered. Each kind keeps a count of
// spins in a row that ended empty; past spinMisses, only every spinProbe-th
// spin of that kind runs, so a sparse client, a replica that only receives
// writes, or a slow datastore costs little CPU, and one hit resumes
// spinning.
//
// Only a node with clients of its own, no more than spinClients, spins, and
// never for a peer's request: a replica that serves another node's clients
// sleeps between requests as before, so that on a host shared by several
// nodes and datastores one spinning coordinator does not take the CPU the
// replicas and datastores need to answer it.
func (c *conn) spin() {
	s := &c.node.spin
	if s.budget == 0 {
		return
	}
	in := c.node.inflight.Load()
	if in > 1 || c.role == rolePeerIn || !s.forClients(s.clients.Load()) {
		return
	}
	kind := &s.kinds[in]
	if kind.misses.Load() >= spinMisses && kind.skipped.Add(1)%spinProbe != 0 {
		return
	}
	if c.epfd == 0 {
		c.epfd = s.epfdOf(c.fd)
	}
	if c.epfd < 0 {
		return
	}
	var ev [4]syscall.EpollEvent
	deadline := c.node.clock() + s.budget
	for {
		n, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_WAIT, uintptr(c.epfd),
			uintptr(unsafe.Pointer(&ev[0])), uintptr(len(ev)), 0, 0, 0)
		if n != 0 || (errno != 0 && errno != syscall.EINTR) {
			if kind.misses.Load() != 0 {
				kind.misses.Store(0)
			}
			return
		}
		if c.node.clock() >= deadline {
			if kind.misses.Load() < spinMisses {
				kind.misses.Add(1)
			}
			return
		}
	}
}
