//go:build !linux

package main

import (
	"fmt"
	"io"
)

func daemonSetup() {}

// daemonize is supported on Linux only.
func daemonize(args []string, stderr io.Writer) int {
	fmt.Fprintln(stderr, "dynomite: -d is supported on Linux only")
	return 1
}
