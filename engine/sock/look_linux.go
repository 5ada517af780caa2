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

// Look polls p with a zero timeout until an event is ready (LookReady) or
// the monotonic clock passes deadline (LookEmpty); an unknown p is not
// looked at (LookNone). It consumes no event of a level-triggered
// registration, never blocks and never allocates; a deadline with a
// monotonic clock reading (one derived from time.Now) is checked without
// reading the wall clock. It may run on a poller.
//
// epoll_pwait with no signal mask is epoll_wait, and is the one of the two
// every Linux architecture has (arm64 has no epoll_wait); with a zero
// timeout it never blocks, so it is made as a raw system call, without the
// scheduler's bookkeeping of a blocking one.
func (p Poller) Look(deadline time.Time) LookResult {
	if p <= 0 {
		return LookNone
	}
	var ev [4]unix.EpollEvent
	for {
		n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p),
			uintptr(unsafe.Pointer(&ev[0])), uintptr(len(ev)), 0, 0, 0)
		if n != 0 || (errno != 0 && errno != unix.EINTR) {
			return LookReady
		}
		if time.Until(deadline) <= 0 {
			return LookEmpty
		}
	}
}

// Park waits for an event of p: it returns LookReady at once when one is
// ready, else blocks in epoll_pwait for ms milliseconds (at least one; a
// signal that interrupts the wait starts it again, a few times at most)
// and returns LookWoken when an event came, LookEmpty when none did.
// Like Look it consumes no event of a level-triggered registration and
// never allocates; unlike Look it blocks, as a system call the scheduler
// knows of (the P may be handed to another thread meanwhile). An unknown
// p is not waited on (LookNone).
func (p Poller) Park(ms int) LookResult {
	if p <= 0 {
		return LookNone
	}
	var ev [4]unix.EpollEvent
	n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p),
		uintptr(unsafe.Pointer(&ev[0])), uintptr(len(ev)), 0, 0, 0)
	if n != 0 || (errno != 0 && errno != unix.EINTR) {
		return LookReady
	}
	for range 8 { // a signal interrupts the wait: wait again
		n, _, errno = unix.Syscall6(unix.SYS_EPOLL_PWAIT, uintptr(p),
			uintptr(unsafe.Pointer(&ev[0])), uintptr(len(ev)), uintptr(max(ms, 1)), 0, 0)
		if errno != unix.EINTR {
			break
		}
	}
	if n != 0 || (errno != 0 && errno != unix.EINTR) {
		return LookWoken
	}
	return LookEmpty
}
