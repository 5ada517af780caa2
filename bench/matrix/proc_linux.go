package matrix

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat. Linux
// fixes it at 100 on every architecture Go supports.
const clockTick = 10 * time.Millisecond

// cpuTime returns the user plus system CPU time process pid has used.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("cannot read CPU time of %d: %w", pid, err)
	}
	return parseStat(b)
}

// parseStat reads utime and stime (fields 14 and 15) of a /proc/PID/stat
// line. The command name (field 2) may contain spaces and parentheses, so
// the fields are counted after its last ')'.
func parseStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("cannot parse /proc stat line %q", b)
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("cannot parse /proc stat line %q", b)
	}
	ut, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	st, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("cannot parse utime/stime in %q", b)
	}
	return time.Duration(ut+st) * clockTick, nil
}

// peakRSS returns VmHWM of process pid in bytes.
func peakRSS(pid int) (int64, error) {
	return enginetest.PeakRSS(pid)
}
