package main

import (
	"testing"
	"time"
)

// waitCase is a value of a wait variable and what it reads as.
type waitCase struct {
	v    string
	want time.Duration
	ok   bool
}

// DYNOMITE_SPIN_US and DYNOMITE_PARK_MS keep their meaning: unset or
// invalid, the engine's default (0); 0, off (negative); N, N of their
// unit.
func TestWaitOptions(t *testing.T) {
	for _, o := range []struct {
		env   string
		read  func(string) (time.Duration, bool)
		cases []waitCase
	}{
		{spinEnv, spinOption, []waitCase{{"", 0, true}, {"0", -1, true}, {"60", 60 * time.Microsecond, true},
			{"1000", time.Millisecond, true}, {"-5", 0, false}, {"fast", 0, false}, {"1.5", 0, false}}},
		{parkEnv, parkOption, []waitCase{{"", 0, true}, {"0", -1, true}, {"2", 2 * time.Millisecond, true},
			{"-1", 0, false}, {"2ms", 0, false}}},
	} {
		for _, c := range o.cases {
			if got, ok := o.read(c.v); got != c.want || ok != c.ok {
				t.Errorf("unexpected value for %s=%q; got %v, %v; want %v, %v", o.env, c.v, got, ok, c.want, c.ok)
			}
		}
	}
}
