package engine

import (
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/cloudwego/netpoll"
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
// of its own epoll instance with a zero timeout, for at most spinBudget,
// before it returns to netpoll's loop. netpoll registers connections
// level-triggered, so looking does not consume an event: when the look sees
// one, netpoll's next non-blocking epoll_wait reports it again and the
// poller handles it without having slept. A callback that is not the last
// of its batch sees the rest of the batch still ready and returns at once.
// The one edge-triggered registration netpoll makes (its dialer waiting
// for writability) would be lost to a look, so the engine does not use
// netpoll's dialer: dialConnected connects with the standard library and
// registers the connected socket with netpoll, level-triggered.
//
// netpoll does not export its epoll descriptor; the poller's descriptor is
// found once per connection from /proc/self/fdinfo (the epoll instance
// that lists the connection's descriptor). Where that fails, nothing spins.
// defaultSpin is the spin budget when DYNOMITE_SPIN_US is unset.
const defaultSpin = 60_000

type spinPoll struct {
	budget int64 // ns; 0 turns spinning off

	mu     sync.Mutex
	single int32 // the epoll fd when netpoll runs one poller (resolved once)
	polls  int   // netpoll's poller count
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
	if s.polls == 1 {
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

// spin looks for new events of c's poller until one is ready or the budget
// is spent. It runs on the poller, at the end of c's callback.
func (c *conn) spin() {
	s := &c.node.spin
	if s.budget == 0 || c.node.inflight.Load() > 1 {
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
			return
		}
		if c.node.clock() >= deadline {
			return
		}
	}
}

// dialConnected connects to addr with the standard library (its timeout,
// name resolution and TCP_NODELAY) and hands a duplicate of the connected
// socket to netpoll, which polls it level-triggered like an accepted one.
func dialConnected(network, addr string, timeout time.Duration) (netpoll.Connection, error) {
	d := net.Dialer{Timeout: timeout}
	c, err := d.Dial(network, addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	sc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		return nil, err
	}
	fd, derr := -1, error(nil)
	err = sc.Control(func(s uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, s, syscall.F_DUPFD_CLOEXEC, 0)
		if e != 0 {
			derr = e
			return
		}
		fd = int(r)
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, err
	}
	nc, err := netpoll.NewFDConnection(fd)
	if err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return nc, nil
}
