package replay

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// DUMP payloads of equal values are not always equal: Redis serialises a
// hash table (a set of strings, a large hash) in its iteration order, which
// a RESTORE does not keep. Canonical gives a form in which equal values are
// equal bytes, for confirming a difference that DUMP suggests.

// Canonical returns key's value in a form where equal values give equal
// bytes: for a set its sorted members, for a hash its fields and values
// sorted by field, for every other type the DUMP payload; each prefixed by
// the type name. A missing key gives nil. The whole value is held in memory.
func Canonical(c *Conn, key []byte) ([]byte, error) {
	r, err := c.Do([]byte("TYPE"), key)
	if err != nil {
		return nil, err
	}
	if err := OK(r); err != nil || len(r) < 3 || r[0] != '+' {
		return nil, fmt.Errorf("cannot read the type of %q: %w", key, ErrReply)
	}
	typ := string(r[1 : len(r)-2])
	var elems [][]byte
	switch typ {
	case "none":
		return nil, nil
	case "set":
		elems, err = arrayOf(c, key, "SMEMBERS", 1)
	case "hash":
		elems, err = arrayOf(c, key, "HGETALL", 2)
	default:
		r, err = c.Do(cmdDump, key)
		if err != nil {
			return nil, err
		}
		p, _, err := Bulk(r)
		if err != nil {
			return nil, err
		}
		return append([]byte(typ+"\n"), p...), nil
	}
	if err != nil {
		return nil, err
	}
	out := []byte(typ + "\n")
	for _, e := range elems {
		out = resp.AppendBulk(out, e)
	}
	return out, nil
}

// arrayOf reads the array reply of cmd key and returns its elements as
// groups of width bulk strings joined into one, sorted.
func arrayOf(c *Conn, key []byte, cmd string, width int) ([][]byte, error) {
	r, err := c.Do([]byte(cmd), key)
	if err != nil {
		return nil, err
	}
	if err := OK(r); err != nil {
		return nil, err
	}
	var a resp.ArrayReader
	if err := a.Reset(r); err != nil {
		return nil, fmt.Errorf("cannot read %s of %q: %w", cmd, key, ErrReply)
	}
	var out [][]byte
	for i := 0; i < a.Len(); i += width {
		var g []byte
		for range width {
			e, err := a.Next()
			if err != nil {
				return nil, err
			}
			g = append(g, e...)
		}
		out = append(out, g)
	}
	slices.SortFunc(out, bytes.Compare)
	return out, nil
}
