package hints

import "errors"

// Errors of the hint file.
var (
	// ErrNotHintFile: the file does not start with the hint file's magic.
	ErrNotHintFile = errors.New("hints: not a hint file")
	// ErrIncomplete: the buffer ends inside a record (a torn tail on load).
	ErrIncomplete = errors.New("hints: incomplete record")
	// ErrCorrupt: a record's length, checksum or fields are invalid.
	ErrCorrupt = errors.New("hints: corrupt record")
	// ErrTooLarge: a target or key is longer than the file format allows.
	ErrTooLarge = errors.New("hints: target or key too long")
)
