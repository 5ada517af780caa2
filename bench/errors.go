package bench

import "errors"

// Errors of the package. Flag errors are not sentinels: their text follows
// memtier_benchmark's ("error: ratio must be expressed as [0-n]:[0-n]").
var (
	// ErrHelp is returned by Parse for -h/--help.
	ErrHelp = errors.New("bench: help requested")
)
