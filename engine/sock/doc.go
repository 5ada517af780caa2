// Package sock is the socket layer under the engine's connections: what the
// engine does to a descriptor or to netpoll itself, apart from reading and
// writing through netpoll's buffers.
//
//   - WriteSome: one non-blocking write(2) from a poller.
//   - Gate: closing a registered connection without netpoll's Close.
//   - Dup, WriteAll, Close: a half-closed client's socket kept past
//     netpoll's close, written with poll(2) bounding each wait.
//   - Dial: a connected socket handed to netpoll, polled level-triggered.
//   - Poller: a look at a netpoll poller's epoll instance, for the busy-poll.
//   - ConfigurePoll: netpoll's process-wide configuration, set once.
//
// The engine decides when to do these things (close, linger, spin, dial);
// this package only does them. It keeps no state of a connection but the
// values the engine holds for it (a Gate, a Poller), and no state of its
// own but the record of netpoll's configuration.
//
// Imports: the standard library, golang.org/x/sys/unix and netpoll;
// nothing of this module.
//
// Platforms: Dial and Poller are build-tagged. On Linux they use the
// system directly (dial_linux.go, look_linux.go); on other systems, and in
// a build with the portable tag, Dial goes through net.Dialer and no
// poller can be looked at (CanLook is false).
//
// Concurrency: every function may be called from any goroutine. WriteSome,
// Gate's methods and Poller.Look never wait on I/O, so they are safe on a
// poller running callbacks inline; WriteAll and Dial wait, and must not
// run on a poller.
package sock
