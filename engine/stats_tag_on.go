//go:build !nostats

package engine

// statsBuiltOff is true in a build with the nostats tag
// (go build -tags nostats ./cmd/dynomite): the request counters are off in
// every node of the binary, as with Options.noStats. Such a build exists to
// measure what the stats cost (bench/matrix -stats-cost).
const statsBuiltOff = false
