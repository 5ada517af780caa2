package main

import (
	"strconv"
	"time"
)

// The environment variables that bound how a poller waits (README,
// "Busy-poll" and "Parking"): spinEnv, the busy-poll in microseconds
// (unset, the engine's default; 0, off); parkEnv, the park in
// milliseconds (unset, the engine's default; 0, off).
const (
	spinEnv = "DYNOMITE_SPIN_US"
	parkEnv = "DYNOMITE_PARK_MS"
)

// spinOption returns engine.Options.Spin for v, the value of spinEnv.
func spinOption(v string) (time.Duration, bool) { return waitOption(v, time.Microsecond) }

// parkOption returns engine.Options.Park for v, the value of parkEnv.
func parkOption(v string) (time.Duration, bool) { return waitOption(v, time.Millisecond) }

// waitOption reads v, a count of unit: 0 (the engine's default) when v is
// empty, a negative duration (off) for "0", N units for a whole number
// N > 0. ok is false, and the default returned, when v is set but not a
// whole number >= 0.
func waitOption(v string, unit time.Duration) (d time.Duration, ok bool) {
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil || n < 0:
		return 0, false
	case n == 0:
		return -1, true
	}
	return time.Duration(n) * unit, true
}
