package core

// Closing a connection
//
// The engine never calls netpoll's Close on a registered connection: with
// the inline runner that can deadlock the poller (sock.Gate says why). It
// shuts the socket down instead (CloseLater), and the poller closes the
// connection when it sees the hang-up, calling the close callback, which
// marks the gate first (MarkGone) so that no later shutdown reaches a
// descriptor netpoll has closed.

// MarkGone is called first thing by every close callback.
func (c *Sock) MarkGone() { c.gate.MarkGone() }

// CloseLater shuts the connection's socket down; the poller closes the
// connection when it sees the hang-up. Bytes already handed to the kernel
// are still sent before the FIN. Safe from any goroutine and context.
func (c *Sock) CloseLater() { c.gate.Shutdown(c.FD) }

// AbortLater is CloseLater for a connection closed on a failure: the
// close resets it and the bytes the kernel still holds for the far end
// are discarded (sock.Gate.Abort), so none of them arrives late. Safe
// from any goroutine and context.
func (c *Sock) AbortLater() { c.gate.Abort(c.FD) }

// CloseInput shuts the read side of the connection's socket down: the
// poller sees the hang-up a client's FIN makes and closes the connection
// (a half-closed client lingers for its replies). Safe from any goroutine
// and context.
func (c *Sock) CloseInput() { c.gate.ShutdownRead(c.FD) }
