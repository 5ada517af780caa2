package matrix

import (
	"slices"
	"time"

	"github.com/dynomite-go/dynomite/perf"
)

// The CPU of one run is split by the kind of process that spent it:
//
//	coordinator  the process the load talks to: the node the clients hit,
//	             the floor, twemproxy, or the datastore itself when direct
//	replica      every other node of a cluster (the ones that receive the
//	             coordinator's copies); reported per node, the mean over them
//	datastore    every redis-server (or memcached) of the target, summed
//
// Each is utime+stime from /proc/PID/stat read right before and right after
// the run, divided by the requests the load tool counted.

// kindCPU is the CPU time per client request of each process kind of one
// run, in microseconds; Total is every measured process (the coordinator
// and the replicas) together.
type kindCPU struct {
	Coord, Replica, Store, Total float64
}

// cpuTimes maps PIDs to the CPU time they have used.
type cpuTimes map[int]time.Duration

// readTimes returns the CPU time of every PID in pids, read through read
// (cpuTime outside tests). The first error stops it.
func readTimes(read func(int) (time.Duration, error), pids ...[]int) (cpuTimes, error) {
	m := cpuTimes{}
	for _, ps := range pids {
		for _, p := range ps {
			if _, ok := m[p]; ok {
				continue
			}
			d, err := read(p)
			if err != nil {
				return nil, err
			}
			m[p] = d
		}
	}
	return m, nil
}

// perRequest returns the CPU per request of each kind between before and
// after: measured[0] is the coordinator, measured[1:] the replicas, stores
// the datastores. A process missing from either map counts as no CPU; with
// no request every value is 0.
func perRequest(before, after cpuTimes, measured, stores []int, requests int64) kindCPU {
	if requests <= 0 {
		return kindCPU{}
	}
	used := func(pids []int) float64 {
		var sum time.Duration
		for _, p := range pids {
			b, okb := before[p]
			a, oka := after[p]
			if okb && oka && a > b {
				sum += a - b
			}
		}
		return float64(sum.Microseconds()) / float64(requests)
	}
	var k kindCPU
	if len(measured) > 0 {
		k.Coord = used(measured[:1])
		if n := len(measured) - 1; n > 0 {
			k.Replica = used(measured[1:]) / float64(n)
		}
	}
	k.Store = used(stores)
	k.Total = used(measured)
	return k
}

// aesHardware reports whether in lists AES instructions (x86's AES-NI or
// ARMv8's AES), the ones crypto/aes runs on when present.
func aesHardware(in perf.Info) bool {
	return slices.Contains(in.Features, "AESNI") || slices.Contains(in.Features, "AESARM")
}

// aesLine is the report's line about AES in hardware.
func aesLine(hw bool) string {
	if hw {
		return "aes:      AES-NI yes: crypto/aes (peer encryption, TLS) runs on the CPU's AES instructions"
	}
	return "aes:      AES-NI no: crypto/aes falls back to its constant-time software code, encrypted links cost more CPU"
}
