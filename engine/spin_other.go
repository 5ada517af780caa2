//go:build !linux || portable

package engine

// The busy-poll's look where the engine cannot look at a poller: other
// systems than Linux, and a build with the portable tag. A node never
// spins there (spinSupported false makes its budget 0); lookUntil is
// never reached.

// spinSupported: this build cannot look at a poller.
const spinSupported = false

// spinSys is empty: there is no poller to find.
type spinSys struct{}

func (s *spinSys) init(pollConfig) {}

// spinConn is empty: there is no poller to find.
type spinConn struct{}

// lookUntil looks at nothing.
func (c *sockCore) lookUntil(int64) lookResult { return lookNone }
