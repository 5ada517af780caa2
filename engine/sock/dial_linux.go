//go:build !portable

package sock

import (
	"net"
	"os"
	"syscall"
	"time"

	"github.com/cloudwego/netpoll"
)

// Dial connects to addr of network ("tcp", "tcp4", "tcp6" or "unix") and
// returns the connection registered with netpoll, which polls it
// level-triggered like an accepted one. TCP_NODELAY is set; keep-alive
// probes are not. The connect is bounded by timeout (none when 0) and
// blocks the calling goroutine, so Dial never runs on a poller. A refused
// or timed-out connect is a *net.OpError.
//
// On Linux the socket is connected blocking, bounded through SO_SNDTIMEO,
// then made non-blocking and handed to netpoll. It never passes through
// the Go runtime's poller (nothing to register there and undo), and
// netpoll's own dialer, which waits for the connect through an
// edge-triggered registration that a look at the poller could consume
// (Poller.Look), is not used.
func Dial(network, addr string, timeout time.Duration) (netpoll.Connection, error) {
	sa, family, err := sockaddrOf(network, addr)
	if err != nil {
		return nil, err
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if timeout > 0 {
		tv := syscall.NsecToTimeval(timeout.Nanoseconds())
		_ = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &tv)
	}
	for {
		err = syscall.Connect(fd, sa)
		if err != syscall.EINTR {
			break
		}
	}
	if err == syscall.EINPROGRESS || err == syscall.EAGAIN {
		err = syscall.ETIMEDOUT // SO_SNDTIMEO expired
	}
	if err == nil {
		var tv syscall.Timeval
		err = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &tv)
	}
	if err == nil && family != syscall.AF_UNIX {
		err = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	}
	if err == nil {
		err = syscall.SetNonblock(fd, true)
	}
	if err != nil {
		syscall.Close(fd)
		return nil, &net.OpError{Op: "dial", Net: network, Addr: nil, Err: os.NewSyscallError("connect", err)}
	}
	nc, err := netpoll.NewFDConnection(fd)
	if err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return nc, nil
}

// sockaddrOf resolves addr of network ("tcp", "tcp4", "tcp6" or "unix").
func sockaddrOf(network, addr string) (syscall.Sockaddr, int, error) {
	if network == "unix" {
		return &syscall.SockaddrUnix{Name: addr}, syscall.AF_UNIX, nil
	}
	ta, err := net.ResolveTCPAddr(network, addr)
	if err != nil {
		return nil, 0, err
	}
	if ip4 := ta.IP.To4(); ip4 != nil {
		sa := &syscall.SockaddrInet4{Port: ta.Port}
		copy(sa.Addr[:], ip4)
		return sa, syscall.AF_INET, nil
	}
	sa := &syscall.SockaddrInet6{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To16())
	return sa, syscall.AF_INET6, nil
}
