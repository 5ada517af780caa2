package main

import (
	"strconv"
	"time"
)

// spinEnv names the environment variable that bounds the busy-poll of the
// engine's pollers, in microseconds (README, "Busy-poll"): unset, the
// engine's default; 0, no busy-poll.
const spinEnv = "DYNOMITE_SPIN_US"

// spinOption returns engine.Options.Spin for v, the value of spinEnv: 0
// (the engine's default) when v is empty, a negative duration (off) for
// "0", N µs for a whole number N > 0. ok is false, and the default
// returned, when v is set but not a whole number >= 0.
func spinOption(v string) (spin time.Duration, ok bool) {
	if v == "" {
		return 0, true
	}
	us, err := strconv.Atoi(v)
	switch {
	case err != nil || us < 0:
		return 0, false
	case us == 0:
		return -1, true
	}
	return time.Duration(us) * time.Microsecond, true
}
