//go:build !linux || portable

package sock

import "time"

// Where no poller can be looked at: other systems than Linux, and a build
// with the portable tag. The engine's busy-poll is off there (CanLook).

// CanLook reports whether this build can look at a poller.
const CanLook = false

// FindPoller finds nothing: it returns NoPoller.
func FindPoller(fd int) Poller { return NoPoller }

// Look looks at nothing: it returns LookNone.
func (p Poller) Look(deadline time.Time) (LookResult, int) { return LookNone, 0 }

// Park waits for nothing: it returns LookNone.
func (p Poller) Park(ms int) (LookResult, int) { return LookNone, 0 }
