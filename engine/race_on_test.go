//go:build race

package engine

// raceFactor stretches time bounds of tests under the race detector, which
// slows the engine several times over.
const raceFactor = 5
