package seeds

import "errors"

// Errors returned by this package. Compare with errors.Is.
var (
	// ErrTooLong: the list is longer than Limits.MaxBytes.
	ErrTooLong = errors.New("seeds: list too long")
	// ErrTooMany: the list holds more records than Limits.MaxRecords.
	ErrTooMany = errors.New("seeds: too many records")
	// ErrBadRecord: a record is malformed; Skip.Err wraps it.
	ErrBadRecord = errors.New("seeds: malformed record")
	// ErrConflict: a well-formed record clashes with this node or with an
	// earlier record; Skip.Err wraps it.
	ErrConflict = errors.New("seeds: conflicting record")
	// ErrEmpty: no record was accepted.
	ErrEmpty = errors.New("seeds: no usable seed")
)
