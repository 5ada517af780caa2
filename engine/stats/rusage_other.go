//go:build !unix

package stats

// maxRSS is not available on this platform; dyn_memory reports 0.
func maxRSS() int64 { return 0 }
