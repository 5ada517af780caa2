//go:build linux

package matrix

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/perf"
)

// statLine is a /proc/PID/stat line of pid with the given utime and stime
// (clock ticks) and a command name with spaces and parentheses.
func statLine(pid int, utime, stime int) string {
	return fmt.Sprintf("%d (dyno (x) mite) S 1 %d %d 0 -1 4194560 1234 0 0 0 %d %d 0 0 20 0 3 0 100 1000 200 18446744073709551615\n",
		pid, pid, pid, utime, stime)
}

// TestPerRequest splits the CPU of one run by process kind from /proc stat
// text read before and after it.
func TestPerRequest(t *testing.T) {
	parse := func(lines map[int]string) cpuTimes {
		t.Helper()
		read := func(pid int) (time.Duration, error) {
			l, ok := lines[pid]
			if !ok {
				return 0, errors.New("no such process")
			}
			return parseStat([]byte(l))
		}
		m, err := readTimes(read, []int{10, 11, 12}, []int{20, 21, 22})
		if err != nil {
			t.Fatalf("cannot read times: %v", err)
		}
		return m
	}
	before := parse(map[int]string{10: statLine(10, 100, 50), 11: statLine(11, 10, 10), 12: statLine(12, 0, 0),
		20: statLine(20, 5, 5), 21: statLine(21, 5, 5), 22: statLine(22, 5, 5)})
	// 10 000 requests: the coordinator used 2 s (200 µs/op), the replicas
	// 0.5 s and 0.3 s (40 µs/op each on average), the datastores 0.1 s each.
	after := parse(map[int]string{10: statLine(10, 250, 100), 11: statLine(11, 40, 30), 12: statLine(12, 20, 10),
		20: statLine(20, 10, 10), 21: statLine(21, 10, 10), 22: statLine(22, 10, 10)})
	k := perRequest(before, after, []int{10, 11, 12}, []int{20, 21, 22}, 10000)
	want := kindCPU{Coord: 200, Replica: 40, Store: 30, Total: 280}
	if !nearly(k.Coord, want.Coord) || !nearly(k.Replica, want.Replica) || !nearly(k.Store, want.Store) || !nearly(k.Total, want.Total) {
		t.Fatalf("unexpected CPU per kind; got %+v; want %+v", k, want)
	}
	// One process (the datastore direct): coordinator and datastore are the
	// same process, no replica.
	k = perRequest(before, after, []int{20}, []int{20}, 1000)
	if !nearly(k.Coord, 100) || k.Replica != 0 || !nearly(k.Store, 100) || !nearly(k.Total, 100) {
		t.Fatalf("unexpected CPU of a direct target %+v", k)
	}
	// No request, a process missing or restarted (its time went down).
	if k := perRequest(before, after, []int{10}, nil, 0); k != (kindCPU{}) {
		t.Fatalf("unexpected CPU without requests %+v", k)
	}
	after[11] = 0
	if k := perRequest(before, after, []int{99, 11}, nil, 100); k != (kindCPU{}) {
		t.Fatalf("unexpected CPU of missing or restarted processes %+v", k)
	}
	// A process that cannot be read is an error.
	_, err := readTimes(func(int) (time.Duration, error) { return 0, errors.New("gone") }, []int{1})
	if err == nil {
		t.Fatalf("unexpected success reading a missing process")
	}
}

func nearly(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestAESLine(t *testing.T) {
	if !aesHardware(perf.Info{Features: []string{"SSE42", "AESNI"}}) || !aesHardware(perf.Info{Features: []string{"AESARM"}}) ||
		aesHardware(perf.Info{Features: []string{"AVX2"}}) {
		t.Fatalf("unexpected AES detection")
	}
	if !strings.HasPrefix(aesLine(true), "aes:      AES-NI yes") || !strings.HasPrefix(aesLine(false), "aes:      AES-NI no") {
		t.Fatalf("unexpected lines %q, %q", aesLine(true), aesLine(false))
	}
}
