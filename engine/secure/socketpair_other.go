//go:build !linux

package secure

import "syscall"

// socketpair returns a connected pair of Unix stream sockets, both
// close-on-exec. Without SOCK_CLOEXEC the flag is set after creation,
// under ForkLock so that no exec in between inherits them.
func socketpair() ([2]int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		return fds, err
	}
	syscall.CloseOnExec(fds[0])
	syscall.CloseOnExec(fds[1])
	return fds, nil
}
