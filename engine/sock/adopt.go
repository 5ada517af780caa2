package sock

import (
	"os"

	"github.com/cloudwego/netpoll"
	"golang.org/x/sys/unix"
)

// Adopt hands the socket of f to netpoll: a close-on-exec duplicate of
// its descriptor, made non-blocking, becomes a netpoll connection, and f
// is closed whatever the outcome. It is how a socket made outside netpoll
// (the plain end of a TLS bridge, engine/secure) joins the engine's
// connections. It never waits on I/O.
func Adopt(f *os.File) (netpoll.Connection, error) {
	defer f.Close()
	raw, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd, derr := -1, error(nil)
	// Control, not f.Fd: Fd would switch the socket to blocking mode.
	if err := raw.Control(func(s uintptr) { fd, derr = Dup(int(s)) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, os.NewSyscallError("fcntl", derr)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	nc, err := netpoll.NewFDConnection(fd)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return nc, nil
}
