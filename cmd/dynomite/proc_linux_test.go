package main

import (
	"net"
	"syscall"
)

func getsid(pid int) (int, error) {
	sid, _, errno := syscall.RawSyscall(syscall.SYS_GETSID, uintptr(pid), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(sid), nil
}

func listenTCP(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }
