//go:build !portable

package engine

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The busy-poll's look on Linux: the poller's own epoll instance, with a
// zero timeout (policy: spin.go).
//
// netpoll registers connections level-triggered, so looking does not
// consume an event: when the look sees one, netpoll's next non-blocking
// epoll_wait reports it again and the poller handles it without having
// slept. A callback that is not the last of its batch sees the rest of the
// batch still ready and returns at once. The one edge-triggered
// registration netpoll makes (its dialer waiting for writability) would be
// lost to a look, so the engine does not use netpoll's dialer:
// sock.Dial connects the socket itself and registers
// the connected socket with netpoll, level-triggered.
//
// netpoll does not export its epoll descriptor; the poller's descriptor is
// found once per connection from /proc/self/fdinfo (the epoll instance
// that lists the connection's descriptor). Where that fails, nothing spins.

// spinSupported: this build can look at a poller.
const spinSupported = true

// spinSys is the node's part: the epoll descriptor when netpoll runs one
// poller, resolved once.
type spinSys struct {
	onePoller bool // the node runs under one poller (pollConfig)
	mu        sync.Mutex
	single    int32 // the epoll fd of the one poller; 0 until resolved
}

func (s *spinSys) init(poll pollConfig) { s.onePoller = poll.pollers == 1 }

// spinConn is a connection's part: the epoll instance of its poller, 0
// until known, -1 when it cannot be found.
type spinConn struct {
	epfd int32
}

// epfdOf resolves the epoll instance that polls fd: 0 when unknown yet,
// -1 when it cannot be found.
func (s *spinPoll) epfdOf(fd int) int32 {
	if s.sys.onePoller {
		s.sys.mu.Lock()
		defer s.sys.mu.Unlock()
		if s.sys.single == 0 {
			s.sys.single = findEpoll(fd)
		}
		return s.sys.single
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

// lookUntil polls the epoll instance of c's poller with a zero timeout
// until an event is ready or the node's clock passes deadline. It runs on
// the poller. epoll_pwait with no signal mask is epoll_wait, and is the
// one of the two every Linux architecture has (arm64 has no epoll_wait);
// with a zero timeout it never blocks, so it is made as a raw system call,
// without the scheduler's bookkeeping of a blocking one.
func (c *sockCore) lookUntil(deadline int64) lookResult {
	if c.sp.epfd == 0 {
		c.sp.epfd = c.node.spin.epfdOf(c.fd)
	}
	if c.sp.epfd < 0 {
		return lookNone
	}
	var ev [4]unix.EpollEvent
	for {
		n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(c.sp.epfd),
			uintptr(unsafe.Pointer(&ev[0])), uintptr(len(ev)), 0, 0, 0)
		if n != 0 || (errno != 0 && errno != unix.EINTR) {
			return lookReady
		}
		if c.node.clock() >= deadline {
			return lookEmpty
		}
	}
}
