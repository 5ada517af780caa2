//go:build !nostats

package bufpool

// counting is false in a build with the nostats tag, the build that
// measures what the stats cost: then the pool counts nothing.
const counting = true
