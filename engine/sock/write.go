package sock

import (
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// WriteSome makes one non-blocking write of b to fd and returns how many
// bytes the socket took. A full socket (EAGAIN) is not an error: it took
// 0 bytes. An interrupted write is retried. fd must be non-blocking; then
// WriteSome never blocks, and may run on a poller.
//
// The write is a raw system call (as netpoll's reads are): it cannot
// block, so the runtime need not be told of it, and when it is told the
// P of a poller is marked as in a system call at each write, which the
// runtime's monitor watches and, on a write that the kernel preempts
// (the woken reader runs first), takes and hands to another thread.
func WriteSome(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		n, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd),
			uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		switch errno {
		case 0:
			return int(n), nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, nil
		default:
			return 0, errno
		}
	}
}

// Half-closed clients keep their socket past netpoll's close: the engine
// duplicates the descriptor (Dup) while netpoll still owns the original,
// writes the owed replies to the duplicate (WriteAll) and closes it
// (Close) when it is done. netpoll never polls the duplicate, so writing
// to it waits with poll(2) on the calling goroutine.

// Dup returns a close-on-exec duplicate of fd, which the caller owns and
// closes with Close. It shares fd's socket (and its non-blocking mode):
// the socket stays open until both are closed.
func Dup(fd int) (int, error) {
	for {
		d, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
		if err != unix.EINTR {
			return d, err
		}
	}
}

// Close closes a descriptor the caller owns, such as one made by Dup.
func Close(fd int) error { return syscall.Close(fd) }

// WriteAll writes all of b to the non-blocking descriptor fd, waiting for
// the socket to take more with poll(2) whenever it is full. Each wait is
// bounded by wait (whole milliseconds, at least one): a socket that stays
// full that long fails the write with ETIMEDOUT. It blocks the calling
// goroutine, so it never runs on a poller. On an error, an unknown prefix
// of b has been written.
func WriteAll(fd int, b []byte, wait time.Duration) error {
	ms := max(int(wait/time.Millisecond), 1)
	for len(b) > 0 {
		n, err := WriteSome(fd, b)
		if err != nil {
			return err
		}
		if n == 0 { // full: wait until it takes more
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
			if k, perr := unix.Poll(pfd, ms); perr != nil && perr != unix.EINTR {
				return perr
			} else if k == 0 {
				return syscall.ETIMEDOUT
			}
			continue
		}
		b = b[n:]
	}
	return nil
}
