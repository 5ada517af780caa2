package ring

import "errors"

// Errors returned by this package. Compare with errors.Is; the returned
// errors wrap these with the offending name, node or value.
var (
	// ErrUnknownHash: the name is not one of HashNames.
	ErrUnknownHash = errors.New("ring: unknown hash")
	// ErrBadToken: a token is empty, negative or has a non-digit.
	ErrBadToken = errors.New("ring: invalid token")
	// ErrNoNodes: New got an empty node list.
	ErrNoNodes = errors.New("ring: no nodes")
	// ErrNoTokens: a node has no token, so it could own nothing.
	ErrNoTokens = errors.New("ring: node has no tokens")
	// ErrDuplicateToken: two tokens in one rack are equal, so the owner of
	// that position would be ambiguous.
	ErrDuplicateToken = errors.New("ring: duplicate token in rack")
	// ErrBadLocal: the local node index is out of range.
	ErrBadLocal = errors.New("ring: local node index out of range")
	// ErrBadHashTag: a hash tag must be empty or exactly two bytes.
	ErrBadHashTag = errors.New("ring: hash tag must be two characters")
	// ErrNilHash: New got a nil HashFunc.
	ErrNilHash = errors.New("ring: nil hash function")
)
