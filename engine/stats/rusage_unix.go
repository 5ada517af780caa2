//go:build unix

package stats

import (
	"syscall"
)

// maxRSS returns the process's peak resident set size as getrusage reports
// it (ru_maxrss: kilobytes on Linux, bytes on Darwin), which is what C
// Dynomite puts in dyn_memory. It returns 0 if the call fails.
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss)
}
