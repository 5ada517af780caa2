//go:build !race

package resp

// raceEnabled: allocation counts are not meaningful under the race detector.
const raceEnabled = false
