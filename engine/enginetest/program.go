package enginetest

import (
	"net"
	"strconv"
)

// StartProgram runs the program at path with args in a new working
// directory and waits until it accepts connections on addr (host:port),
// for servers this package has no special start for (a load tool's own
// forwarder, say). Close stops it by PID and removes the directory.
func StartProgram(name, path, addr string, args ...string) (*Proc, error) {
	dir, remove, err := workDir("", name)
	if err != nil {
		return nil, err
	}
	p := &Proc{Name: name, Dir: dir, Addr: addr, path: path, args: args, remove: remove, ready: portReady}
	if _, port, err := net.SplitHostPort(addr); err == nil {
		p.Port, _ = strconv.Atoi(port)
	}
	return p.startOrClose()
}
