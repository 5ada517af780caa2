package enginetest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// OpenFDs returns the number of open file descriptors of process pid, counted
// in /proc/<pid>/fd.
func OpenFDs(pid int) (int, error) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0, fmt.Errorf("enginetest: open fds of %d: %w", pid, err)
	}
	return len(ents), nil
}

// RSS returns the resident set size of process pid in bytes (VmRSS of
// /proc/<pid>/status).
func RSS(pid int) (int64, error) {
	return statusKB(pid, "VmRSS:")
}

// PeakRSS returns the peak resident set size of process pid in bytes (VmHWM).
func PeakRSS(pid int) (int64, error) {
	return statusKB(pid, "VmHWM:")
}

func statusKB(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("enginetest: status of %d: %w", pid, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte(field)) {
			continue
		}
		f := bytes.Fields(line[len(field):])
		if len(f) < 1 {
			break
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			break
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("enginetest: no %s in /proc/%d/status", field, pid)
}
