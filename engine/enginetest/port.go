package enginetest

import (
	"fmt"
	"net"
)

// FreePort returns a TCP port on 127.0.0.1 that was free when it was asked
// for. Another process may take it before the caller binds it; the Start
// functions retry with a new port when that happens.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("enginetest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// freeAddr returns "127.0.0.1:<free port>".
func freeAddr() (string, error) {
	p, err := FreePort()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", p), nil
}
