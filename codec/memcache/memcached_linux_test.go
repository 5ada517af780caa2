package memcache

import "syscall"

// childAttr makes a started server die with the test binary, so a test
// killed before its Cleanup leaves no process behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
