package main

import (
	"testing"
	"time"
)

// DYNOMITE_SPIN_US keeps its meaning: unset or invalid, the engine's
// default (Options.Spin 0); 0, off (negative); N, N µs.
func TestSpinOption(t *testing.T) {
	f := func(v string, want time.Duration, wantOK bool) {
		t.Helper()
		got, ok := spinOption(v)
		if got != want || ok != wantOK {
			t.Errorf("unexpected spin for %s=%q; got %v, %v; want %v, %v", spinEnv, v, got, ok, want, wantOK)
		}
	}
	f("", 0, true)
	f("0", -1, true)
	f("60", 60*time.Microsecond, true)
	f("1000", time.Millisecond, true)
	f("-5", 0, false)
	f("fast", 0, false)
	f("1.5", 0, false)
}

// DYNOMITE_PARK_MS reads the same way, in milliseconds.
func TestParkOption(t *testing.T) {
	f := func(v string, want time.Duration, wantOK bool) {
		t.Helper()
		got, ok := parkOption(v)
		if got != want || ok != wantOK {
			t.Errorf("unexpected park for %s=%q; got %v, %v; want %v, %v", parkEnv, v, got, ok, want, wantOK)
		}
	}
	f("", 0, true)
	f("0", -1, true)
	f("2", 2*time.Millisecond, true)
	f("-1", 0, false)
	f("2ms", 0, false)
}
