//go:build nostats

package engine

// statsBuiltOff: this build has the nostats tag; see stats_tag_on.go.
const statsBuiltOff = true
