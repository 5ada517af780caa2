//go:build !linux

package memcache

import "syscall"

// childAttr: outside Linux there is no parent-death signal; Cleanup stops
// the server.
func childAttr() *syscall.SysProcAttr { return nil }
