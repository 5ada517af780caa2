package enginetest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
)

// FreePort returns a TCP port on 127.0.0.1 that was free when it was asked
// for. Another process may take it before the caller binds it; the Start
// functions retry with a new port when that happens.
//
// The port is drawn below the kernel's ephemeral range, so that the
// outgoing connections of other tests and load generators, which take
// their local ports from that range, cannot take it in the meantime (a
// port from "127.0.0.1:0" is an ephemeral one).
func FreePort() (int, error) {
	lo, hi := 20000, ephemeralLow()-1
	for try := 0; hi > lo && try < 64; try++ {
		p := lo + rand.IntN(hi-lo+1)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		l.Close()
		return p, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("enginetest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
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
