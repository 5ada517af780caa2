package sock

import (
	"sync"
	"syscall"
)

// Gate closes a connection registered with netpoll without calling
// netpoll's Close. The zero Gate is ready to use, one per connection.
//
// netpoll v0.7.2 with the inline runner deadlocks when a connection is
// closed while its OnRequest runs on the poller: from its own callback, or
// from any other goroutine at the moment new input arrives. The close then
// frees the poll operator inside the task while the poller still holds
// it, and FDOperator.unused spins forever, taking the whole poller (every
// connection on it) down with it.
//
// So a registered connection is never closed through netpoll's Close. Its
// socket is shut down instead (Shutdown): the kernel reports a hang-up, and
// the poller closes the connection itself between two tasks, the path a
// peer's close takes. shutdown(2) is safe from any goroutine, including
// the connection's own callback. The gate keeps it from reaching a
// descriptor that netpoll has already closed, and the kernel may have
// given to another file: the connection's close callback calls MarkGone
// before netpoll closes the descriptor, and Shutdown does nothing after it.
type Gate struct {
	mu   sync.Mutex
	gone bool
}

// MarkGone records that netpoll is closing the connection; every later
// Shutdown does nothing. The connection's close callback calls it first
// thing, before it returns to netpoll. Safe from any goroutine.
func (g *Gate) MarkGone() {
	g.mu.Lock()
	g.gone = true
	g.mu.Unlock()
}

// Shutdown shuts both directions of the socket fd down, unless MarkGone
// was called: the poller then sees a hang-up and closes the connection.
// Bytes already handed to the kernel are still sent before the FIN. It
// never blocks on I/O, and is safe from any goroutine and context,
// including the connection's own callback. fd must be the descriptor of
// the connection the gate belongs to.
func (g *Gate) Shutdown(fd int) {
	g.mu.Lock()
	if !g.gone {
		_ = syscall.Shutdown(fd, syscall.SHUT_RDWR)
	}
	g.mu.Unlock()
}

// Abort is Shutdown for a connection closed on a failure (a timeout, a
// peer that stopped answering): it first sets SO_LINGER to zero, so that
// the close that follows resets the connection and the kernel discards
// the bytes it still holds for the far end instead of retransmitting
// them, and delivering them, once the far end is reachable again. Like
// Shutdown it does nothing after MarkGone.
func (g *Gate) Abort(fd int) {
	g.mu.Lock()
	if !g.gone {
		_ = syscall.SetsockoptLinger(fd, syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 0})
		_ = syscall.Shutdown(fd, syscall.SHUT_RDWR)
	}
	g.mu.Unlock()
}

// ShutdownRead shuts the read side of the socket fd down, unless MarkGone
// was called: the poller sees the hang-up a peer's FIN makes, and the
// write side stays open. Same contract as Shutdown otherwise.
func (g *Gate) ShutdownRead(fd int) {
	g.mu.Lock()
	if !g.gone {
		_ = syscall.Shutdown(fd, syscall.SHUT_RD)
	}
	g.mu.Unlock()
}
