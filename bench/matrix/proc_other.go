//go:build !linux

package matrix

import (
	"errors"
	"time"
)

// errNoProc: CPU time and peak RSS are read from /proc (proc_linux.go).
var errNoProc = errors.New("matrix: process CPU time and RSS are read from /proc, not supported on this OS")

// cpuTime fails: there is no /proc.
func cpuTime(int) (time.Duration, error) { return 0, errNoProc }

// peakRSS fails: there is no /proc.
func peakRSS(int) (int64, error) { return 0, errNoProc }
