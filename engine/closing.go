package engine

// Closing a connection
//
// The engine never calls netpoll's Close on a registered connection: with
// the inline runner that can deadlock the poller (sock.Gate says why). It
// shuts the socket down instead (closeLater), and the poller closes the
// connection when it sees the hang-up, calling the close callback, which
// marks the gate first (markGone) so that no later shutdown reaches a
// descriptor netpoll has closed.

// markGone is called first thing by every close callback.
func (c *sockCore) markGone() { c.gate.MarkGone() }

// closeLater shuts the connection's socket down; the poller closes the
// connection when it sees the hang-up. Bytes already handed to the kernel
// are still sent before the FIN. Safe from any goroutine and context.
func (c *sockCore) closeLater() { c.gate.Shutdown(c.fd) }
