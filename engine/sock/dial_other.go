//go:build !linux || portable

package sock

import (
	"net"
	"os"
	"syscall"
	"time"

	"github.com/cloudwego/netpoll"
	"golang.org/x/sys/unix"
)

// Dial connects to addr of network ("tcp", "tcp4", "tcp6" or "unix") and
// returns the connection registered with netpoll, which polls it like an
// accepted one. TCP_NODELAY is set, as by every net.Dialer; keep-alive
// probes are not, as on Linux. The connect is bounded by timeout (none
// when 0) and blocks the calling goroutine, so Dial never runs on a
// poller. A refused or timed-out connect is a *net.OpError.
//
// Here a net.Dialer connects, then the connected socket is moved out of
// the Go runtime's poller: a close-on-exec duplicate of its descriptor,
// made non-blocking, replaces the net.Conn, which is closed. netpoll's own
// dialer is not used, as on Linux (dial_linux.go).
func Dial(network, addr string, timeout time.Duration) (netpoll.Connection, error) {
	d := net.Dialer{Timeout: timeout, KeepAlive: -1}
	nc, err := d.Dial(network, addr)
	if err != nil {
		return nil, err
	}
	fd, err := detachSocket(nc)
	nc.Close()
	if err == nil {
		if err = unix.SetNonblock(fd, true); err != nil {
			unix.Close(fd)
		}
	}
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: nil, Err: err}
	}
	c, err := netpoll.NewFDConnection(fd)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return c, nil
}

// detachSocket returns a close-on-exec duplicate of nc's descriptor.
func detachSocket(nc net.Conn) (int, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1, os.ErrInvalid
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd, derr := -1, error(nil)
	err = raw.Control(func(s uintptr) {
		fd, derr = Dup(int(s))
	})
	if err == nil && derr != nil {
		err = os.NewSyscallError("fcntl", derr)
	}
	return fd, err
}
