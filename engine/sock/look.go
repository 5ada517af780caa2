package sock

// A look at a poller: the busy-poll's primitive.
//
// A poller that finds nothing to do blocks in epoll_wait, and the next
// event has to wake its thread again. The engine may instead, at the end of
// a callback, look at its own poller's epoll instance with a zero timeout
// until an event is ready or a deadline passes (its policy: when to look
// and for how long, is the engine's). netpoll registers connections
// level-triggered, so a look consumes no event: an event it sees is
// reported again by netpoll's next epoll_wait, which then does not sleep.
// The one edge-triggered registration netpoll makes, its dialer waiting
// for writability, would be lost to a look; Dial does not use it.
//
// Park is the same look made as a blocking wait bounded in time: the
// engine parks a poller on its own epoll instance instead of returning to
// netpoll's loop, whose way to sleep costs more (engine/core, park.go).
// Both are raw system calls: the runtime is not told that the thread
// waits, and the poller keeps its P.
//
// netpoll does not export its epoll descriptors. FindPoller finds the one
// that polls a descriptor in /proc/self/fdinfo; where it cannot, there is
// nothing to look at.

// Poller is the epoll descriptor of a netpoll poller. The zero Poller is
// one not known yet, NoPoller one that cannot be found; only a Poller
// returned by FindPoller other than NoPoller can be looked at. A Poller is
// a plain value: it can be copied and kept per connection.
type Poller int32

// NoPoller is a poller that cannot be found, or a build that cannot look.
const NoPoller Poller = -1

// LookResult is how a look at a poller ended.
type LookResult uint8

const (
	LookNone  LookResult = iota // the poller is unknown: nothing was looked at
	LookReady                   // an event is ready (or the look failed)
	LookEmpty                   // the deadline (or the park's bound) passed with nothing ready
)

// MaxReady is the most ready descriptors a look or a park counts.
const MaxReady = 8
