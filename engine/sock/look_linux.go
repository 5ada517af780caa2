//go:build !portable

package sock

import (
	"os"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// CanLook reports whether this build can look at a poller.
const CanLook = true

// FindPoller returns the epoll instance that polls fd, found among the
// process' descriptors in /proc/self/fd and /proc/self/fdinfo, or NoPoller
// when none lists fd (or /proc cannot be read). It reads files and
// allocates: callers resolve a poller once and keep it.
func FindPoller(fd int) Poller {
	dir, err := os.Open("/proc/self/fd")
	if err != nil {
		return NoPoller
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return NoPoller
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
				return Poller(ep)
			}
		}
	}
	return NoPoller
}

// Look polls p with a zero timeout until an event is ready (LookReady, with
// the number of descriptors ready, at most MaxReady) or the monotonic clock
// passes deadline (LookEmpty); an unknown p is not looked at (LookNone). It consumes no event of a level-triggered
// registration, never blocks and never allocates; a deadline with a
// monotonic clock reading (one derived from time.Now) is checked without
// reading the wall clock. It may run on a poller.
//
// epoll_pwait with no signal mask is epoll_wait, and is the one of the two
// every Linux architecture has (arm64 has no epoll_wait); with a zero
// timeout it never blocks, so it is made as a raw system call, without the
// scheduler's bookkeeping of a blocking one.
func (p Poller) Look(deadline time.Time) (LookResult, int) {
	if p <= 0 {
		return LookNone, 0
	}
	for {
		if n, _ := p.wait(0); n != 0 {
			return LookReady, n
		}
		if time.Until(deadline) <= 0 {
			return LookEmpty, 0
		}
	}
}

// Park waits in epoll_pwait until an event of p is ready, at most ms
// milliseconds (at least one). It returns LookReady when one is, at once
// or after a wait (with the number ready, as Look), or when a signal ended
// the wait (with 0), and LookEmpty when
// the bound passed with none; an unknown p is not waited on (LookNone).
// Like Look it consumes no event of a level-triggered registration and
// never allocates.
//
// The wait is a raw system call, as Look's: the runtime does not know the
// thread is blocked, so the poller keeps its P and the wait costs what
// C's epoll_wait costs, one sleep and one wake-up of one thread. Made as
// a system call the runtime knows of, the P is marked as in a system call,
// and on a replica, whose every request is two such waits, the runtime's
// monitor takes it from the sleeping thread and hands it on (measured:
// 0.6 hand-offs and 1.3 monitor wake-ups per replicated write,
// engine/core park.go). Holding the P while blocked is safe for a bounded
// wait on a node with another P (the engine parks only there): other
// goroutines run on the idle P, and a preemption request (the garbage
// collector stopping the world, or the monitor after 10 ms) is a signal,
// which ends the wait with EINTR (with asynchronous preemption turned off,
// GODEBUG=asyncpreemptoff=1, a stop of the world waits for the bound).
func (p Poller) Park(ms int) (LookResult, int) {
	if p <= 0 {
		return LookNone, 0
	}
	n, interrupted := p.wait(max(ms, 1))
	if n != 0 || interrupted {
		return LookReady, n
	}
	return LookEmpty, 0
}

// wait is one epoll_pwait on p with no signal mask, for at most ms
// milliseconds (0: no wait), made as a raw system call. n: the descriptors
// ready (at most MaxReady), or 1 when the call failed otherwise than by a
// signal; interrupted: a signal ended it.
func (p Poller) wait(ms int) (n int, interrupted bool) {
	var ev [MaxReady]unix.EpollEvent
	r, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p),
		uintptr(unsafe.Pointer(&ev[0])), uintptr(len(ev)), uintptr(ms), 0, 0)
	switch {
	case errno == unix.EINTR:
		return 0, true
	case errno != 0:
		return 1, false
	}
	return int(r), false
}
