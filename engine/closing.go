package engine

import (
	"sync"
	"syscall"
)

// Closing a connection
//
// netpoll v0.7.2 with the inline runner deadlocks when a connection is closed
// while its OnRequest runs on the poller: from its own callback, or from any
// other goroutine at the moment new input arrives. The close then frees the
// poll operator inside the task while the poller still holds it, and
// FDOperator.unused spins forever, taking the whole poller (every
// connection on it) down with it.
//
// So the engine never calls netpoll's Close on a registered connection. It
// shuts the socket down instead: the kernel reports a hang-up, and the
// poller closes the connection itself between two tasks, the path a peer's
// close takes. shutdown(2) is safe from any goroutine, including the
// connection's own callback. fdGate keeps it from reaching a descriptor
// that netpoll has already closed (and the kernel may have reused): the
// close callbacks mark the gate before netpoll closes the descriptor.
type fdGate struct {
	mu   sync.Mutex
	gone bool
}

// markGone is called first thing by every close callback.
func (c *sockCore) markGone() {
	c.gate.mu.Lock()
	c.gate.gone = true
	c.gate.mu.Unlock()
}

// closeLater shuts the connection's socket down; the poller closes the
// connection when it sees the hang-up. Bytes already handed to the kernel
// are still sent before the FIN. Safe from any goroutine and context.
func (c *sockCore) closeLater() {
	c.gate.mu.Lock()
	if !c.gate.gone {
		_ = syscall.Shutdown(c.fd, syscall.SHUT_RDWR)
	}
	c.gate.mu.Unlock()
}
