//go:build !linux

package enginetest

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
