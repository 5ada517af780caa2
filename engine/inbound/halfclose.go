package inbound

import (
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/engine/sock"
)

// Half-closed clients
//
// A client may send its requests and shut down its write side, then read the
// replies (docs/compat.md §9.1: half-closed clients still receive outstanding replies).
// netpoll closes a connection as soon as it sees the peer's FIN, so the
// engine keeps the socket alive past that point: the close callback, when
// replies are still owed, duplicates the descriptor and leaves the client
// lingering. Replies keep flowing to it through the duplicate, which
// netpoll does not poll (sock.Dup, sock.WriteAll); once nothing is pending
// (or a write fails, or the node shuts down) the duplicate is closed and
// the client is torn down as usual. Requests still at the
// datastore are bounded by the timeout, so a linger always ends.

// lingerState is the client-side state of a linger.
type lingerState struct {
	on atomic.Bool // the socket lives on through a duplicate descriptor
}

// startLinger is called by OnClose with Mu held. It reports whether the
// client now lingers; if not, the caller tears it down.
func (c *Conn) startLinger() bool {
	if !c.Kind.Client || c.quitting || c.St.Failed.Load() || c.env.Closing.Load() {
		return false
	}
	if c.pending.Len() == 0 && (c.Out == nil || len(c.Out.B) == 0) {
		return false
	}
	fd, err := sock.Dup(c.FD)
	if err != nil {
		return false
	}
	c.FD = fd
	c.quitting = true // nothing more is read; afterFlush closes when pending is empty
	c.linger.on.Store(true)
	return true
}

// endLinger closes the duplicate descriptor and tears the client down.
func (c *Conn) endLinger() {
	c.Mu.Lock()
	if c.Closed || !c.linger.on.Load() {
		c.Mu.Unlock()
		return
	}
	c.linger.on.Store(false)
	_ = sock.Close(c.FD)
	c.teardown() // unlocks Mu
}

// lingerWrite writes all of b to the duplicate descriptor, waiting for the
// socket for at most the node's timeout per wait (5 s without one).
func (c *Conn) lingerWrite(b []byte) error {
	return sock.WriteAll(c.FD, b, c.lingerWait())
}

// lingerWait is the node's timeout, 5 s without one.
func (c *Conn) lingerWait() time.Duration {
	if c.env.Timeout < time.Millisecond {
		return 5 * time.Second
	}
	return c.env.Timeout
}

// CloseLater is core.Sock.CloseLater for an accepted connection: a lingering
// client's duplicate descriptor is closed and the client torn down.
func (c *Conn) CloseLater() {
	if c.linger.on.Load() {
		c.endLinger()
		return
	}
	c.Sock.CloseLater()
}

// BlockingWrite is core.Sock.BlockingWrite for an accepted connection: a
// lingering client is written through its duplicate descriptor.
func (c *Conn) BlockingWrite(b []byte) error {
	if c.linger.on.Load() {
		return c.lingerWrite(b)
	}
	return c.Sock.BlockingWrite(b)
}

// Lingering reports whether a half-closed client still lingers.
func (c *Conn) Lingering() bool { return c.linger.on.Load() }
