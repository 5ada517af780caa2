//go:build !race

package engine

// raceFactor stretches time bounds of tests under the race detector.
const raceFactor = 1
