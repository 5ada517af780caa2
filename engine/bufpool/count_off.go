//go:build nostats

package bufpool

// counting: this build has the nostats tag; see count_on.go.
const counting = false
