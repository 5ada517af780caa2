//go:build !linux

package floor

import "errors"

// errUnsupported is New's error on a system without epoll.
var errUnsupported = errors.New("floor: not supported on this OS (it needs Linux epoll)")

// Floor is the forwarder's handle; on this system none can be made.
type Floor struct{}

// New fails: the forwarder is an epoll loop (floor_linux.go).
func New(listen, server string, memcache bool) (*Floor, error) {
	return nil, errUnsupported
}

// Addr is empty: there is no listener.
func (f *Floor) Addr() string { return "" }

// Shutdown does nothing.
func (f *Floor) Shutdown() {}

// Close does nothing.
func (f *Floor) Close() {}

// Replicate fails as New does.
func (f *Floor) Replicate(peers []string, quorum bool) error { return errUnsupported }

// Serve fails as New does.
func (f *Floor) Serve() error { return errUnsupported }
