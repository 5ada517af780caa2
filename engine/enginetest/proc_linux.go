package enginetest

import "syscall"

// sysProcAttr asks the kernel to kill the child when the process that started
// it dies, so a crashed test leaves no datastore behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
