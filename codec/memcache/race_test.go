//go:build race

package memcache

// raceEnabled: allocation counts are not checked under the race detector.
const raceEnabled = true
