package enginetest

import (
	"net"
	"strconv"
)

// StartProgram runs the program at path in a new working directory, with the
// arguments args gives for the address (127.0.0.1:<free port>) it must
// listen on, and waits until it accepts connections there; a port taken
// meanwhile by another process is replaced by a new one. It is for servers
// this package has no special start for (a load tool's own forwarder, say).
// Close stops it by PID and removes the directory.
func StartProgram(name, path string, args func(addr string) []string) (*Proc, error) {
	dir, remove, err := workDir("", name)
	if err != nil {
		return nil, err
	}
	p := &Proc{Name: name, Dir: dir, path: path, remove: remove, ready: portReady}
	err = startOnPort(p, 0, func(port int) []string {
		return args(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}
