//go:build !linux

package bench

import (
	"errors"
	"time"
)

// The built-in generator's threads are epoll loops (thread_linux.go); on
// other systems a run stops before it starts, with errNoThreads.
// memtier_benchmark (make bench's default when it is on PATH) is the load
// generator there.

// errNoThreads is the error of a run on a system without epoll.
var errNoThreads = errors.New("bench: the built-in load generator is not supported on this OS (it needs Linux epoll); use memtier_benchmark")

// takeSocket fails: there is no loop to take the socket.
func (c *client) takeSocket() error { return errNoThreads }

// closeSocket closes the client's connection.
func (c *client) closeSocket() {
	if c.conn != nil {
		_ = c.conn.Close()
	}
}

// send writes b to the client's connection (a test's sink).
func (c *client) send(b []byte) error {
	_, err := c.conn.Write(b)
	return err
}

// runThread fails: there are no epoll loops.
func runThread([]*client, time.Time) error { return errNoThreads }
