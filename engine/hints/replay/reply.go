package replay

import (
	"fmt"
	"strconv"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// Decoders of the few complete replies this package reads. Each takes one
// whole reply as Conn.Reply returns it; an error reply becomes a
// *ServerError, any other unexpected type ErrReply.

// asError returns the *ServerError of an error reply, or nil.
func asError(r []byte) error {
	if len(r) >= 3 && r[0] == '-' {
		return &ServerError{Msg: string(r[1 : len(r)-2])}
	}
	return nil
}

// Bulk returns the payload of a bulk reply (a view of r), or nil and
// false for the null bulk.
func Bulk(r []byte) ([]byte, bool, error) {
	if err := asError(r); err != nil {
		return nil, false, err
	}
	if len(r) < 5 || r[0] != '$' {
		return nil, false, fmt.Errorf("cannot read bulk %q: %w", clip(r), ErrReply)
	}
	if r[1] == '-' {
		return nil, false, nil
	}
	i := 1
	for i < len(r) && r[i] != '\r' {
		i++
	}
	n, err := strconv.Atoi(string(r[1:i]))
	if err != nil || n < 0 || i+2+n+2 != len(r) {
		return nil, false, fmt.Errorf("cannot read bulk %q: %w", clip(r), ErrReply)
	}
	return r[i+2 : i+2+n], true, nil
}

// Int returns the value of an integer reply.
func Int(r []byte) (int64, error) {
	if err := asError(r); err != nil {
		return 0, err
	}
	if len(r) < 4 || r[0] != ':' {
		return 0, fmt.Errorf("cannot read integer %q: %w", clip(r), ErrReply)
	}
	n, err := strconv.ParseInt(string(r[1:len(r)-2]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cannot read integer %q: %w", clip(r), ErrReply)
	}
	return n, nil
}

// OK checks a reply for success: anything but an error reply.
func OK(r []byte) error { return asError(r) }

// Scan reads a SCAN reply: the next cursor and the keys, appended to
// keys as copies.
func Scan(r []byte, keys [][]byte) (cursor []byte, out [][]byte, err error) {
	if err := asError(r); err != nil {
		return nil, keys, err
	}
	var a, b resp.ArrayReader
	if err := a.Reset(r); err != nil || a.Len() != 2 {
		return nil, keys, fmt.Errorf("cannot read scan reply %q: %w", clip(r), ErrReply)
	}
	e, err := a.Next()
	if err != nil {
		return nil, keys, err
	}
	c, ok, err := Bulk(e)
	if err != nil || !ok {
		return nil, keys, fmt.Errorf("cannot read scan cursor %q: %w", clip(e), ErrReply)
	}
	cursor = append([]byte(nil), c...)
	e, err = a.Next()
	if err != nil {
		return nil, keys, err
	}
	if err := b.Reset(e); err != nil {
		return nil, keys, fmt.Errorf("cannot read scan keys %q: %w", clip(e), ErrReply)
	}
	for range b.Len() {
		k, err := b.Next()
		if err != nil {
			return nil, keys, err
		}
		v, ok, err := Bulk(k)
		if err != nil || !ok {
			return nil, keys, fmt.Errorf("cannot read scan key %q: %w", clip(k), ErrReply)
		}
		keys = append(keys, append([]byte(nil), v...))
	}
	return cursor, keys, nil
}

// clip shortens a reply for an error message.
func clip(r []byte) []byte {
	if len(r) > 40 {
		return r[:40]
	}
	return r
}
