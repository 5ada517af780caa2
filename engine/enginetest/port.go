package enginetest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync"
)

// handedOut holds the ports FreePort returned in this process: a port is
// handed out once, so the several ports of one cluster never collide even
// before any of them is bound.
var handedOut struct {
	sync.Mutex
	ports map[int]bool
}

// take reports whether p was not handed out yet, and marks it.
func take(p int) bool {
	handedOut.Lock()
	defer handedOut.Unlock()
	if handedOut.ports == nil {
		handedOut.ports = map[int]bool{}
	}
	if handedOut.ports[p] {
		return false
	}
	handedOut.ports[p] = true
	return true
}

// FreePort returns a TCP port on 127.0.0.1 that was free when it was asked
// for. Another process may take it before the caller binds it; the Start
// functions retry with a new port when that happens.
//
// The port is drawn below the kernel's ephemeral range, so that the
// outgoing connections of other tests and load generators, which take
// their local ports from that range, cannot take it in the meantime (a
// port from "127.0.0.1:0" is an ephemeral one). No port is returned twice
// in one process.
func FreePort() (int, error) {
	lo, hi := 20000, ephemeralLow()-1
	for try := 0; hi > lo && try < 64; try++ {
		p := lo + rand.IntN(hi-lo+1)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		l.Close()
		if take(p) {
			return p, nil
		}
	}
	for try := 0; try < 64; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("enginetest: free port: %w", err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if take(p) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("enginetest: no free port left")
}

// ephemeralLow is the first port of the kernel's ephemeral range (Linux
// default 32768 when it cannot be read).
func ephemeralLow() int {
	lo, hi := 32768, 0
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if n, _ := fmt.Sscan(string(b), &lo, &hi); n < 1 {
			lo = 32768
		}
	}
	return lo
}

// freeAddr returns "127.0.0.1:<free port>".
func freeAddr() (string, error) {
	p, err := FreePort()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", p), nil
}
