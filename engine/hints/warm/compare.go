package warm

import (
	"bytes"
	"context"
	"crypto/sha1"
	"fmt"
	"strconv"

	"github.com/dynomite-go/dynomite/engine/hints/replay"
)

// Kind is how a key differs between the two datastores of a Compare.
type Kind uint8

const (
	MissingInB Kind = iota + 1 // A holds the key, B does not
	MissingInA                 // B holds the key, A does not
	Differs                    // both hold it with different values
)

func (k Kind) String() string {
	switch k {
	case MissingInB:
		return "missing-in-b"
	case MissingInA:
		return "missing-in-a"
	case Differs:
		return "differs"
	}
	return "unknown"
}

// Diff is one key that differs.
type Diff struct {
	Key  []byte
	Kind Kind
}

// Summary counts what a Compare found and did.
type Summary struct {
	Scanned    int64 // keys the SCANs of A and then B returned so far
	Compared   int64 // owned keys of A compared with B
	MissingInB int64
	MissingInA int64
	Differs    int64
	Repaired   int64 // keys copied from A to B (with Repair)
}

// Compare checks that B holds the same owned keys as A, with the same
// values (TTLs are not compared). A's keys are read with DUMP and compared
// by SHA-1 digest; a digest mismatch is confirmed with replay.Canonical, as
// equal hash tables may dump in different orders. Then B is walked for
// owned keys A lacks. With Repair, every difference is copied from A to B
// (RESTORE, or DEL for keys A lacks): A is the reference.
type Compare struct {
	A, B     *replay.Conn
	Owns     func(key []byte) bool
	Count    int            // SCAN COUNT; 0: DefaultCount
	Repair   bool           // copy differences from A to B
	Limiter  replay.Limiter // paces the repair copies; nil: no limit
	Report   func(Diff)     // called for every difference, may be nil
	Progress func(Summary)  // called after every page, may be nil

	copier       *replay.Copier
	sum          Summary
	sumsA, sumsB [][sha1.Size]byte
	inA, inB     []bool
}

// Run walks A then B once and returns the summary.
func (c *Compare) Run(ctx context.Context) (Summary, error) {
	c.sum = Summary{}
	c.copier = &replay.Copier{Src: c.A, Dst: c.B, Limiter: c.Limiter}
	if err := c.walk(ctx, c.A, c.pageOfA); err != nil {
		return c.sum, err
	}
	if err := c.walk(ctx, c.B, c.pageOfB); err != nil {
		return c.sum, err
	}
	return c.sum, nil
}

// walk scans conn to the end, handing each page of owned keys to page.
func (c *Compare) walk(ctx context.Context, conn *replay.Conn, page func(context.Context, [][]byte) error) error {
	count := []byte(strconv.Itoa(orDefault(c.Count, DefaultCount)))
	cursor := []byte("0")
	var keys [][]byte
	for {
		r, err := conn.Do([]byte("SCAN"), cursor, []byte("COUNT"), count)
		if err != nil {
			return err
		}
		cursor, keys, err = replay.Scan(r, keys[:0])
		if err != nil {
			return fmt.Errorf("cannot scan: %w", err)
		}
		c.sum.Scanned += int64(len(keys))
		owned := keys[:0]
		for _, k := range keys {
			if c.Owns(k) {
				owned = append(owned, k)
			}
		}
		if err := page(ctx, owned); err != nil {
			return err
		}
		if c.Progress != nil {
			c.Progress(c.sum)
		}
		if string(cursor) == "0" {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// digests pipelines DUMP of keys on conn and returns the SHA-1 of each
// payload and whether the key exists. Payloads are not kept.
func digests(conn *replay.Conn, keys [][]byte, sums [][sha1.Size]byte, present []bool) ([][sha1.Size]byte, []bool, error) {
	for _, k := range keys {
		conn.Queue([]byte("DUMP"), k)
	}
	if err := conn.Send(); err != nil {
		return sums, present, err
	}
	sums, present = sums[:0], present[:0]
	for range keys {
		r, err := conn.Reply()
		if err != nil {
			return sums, present, err
		}
		p, ok, err := replay.Bulk(r)
		if err != nil {
			return sums, present, fmt.Errorf("cannot dump: %w", err)
		}
		sums = append(sums, sha1.Sum(p))
		present = append(present, ok)
	}
	return sums, present, nil
}

// pageOfA compares a page of A's owned keys with B.
func (c *Compare) pageOfA(ctx context.Context, keys [][]byte) error {
	var err error
	if c.sumsA, c.inA, err = digests(c.A, keys, c.sumsA, c.inA); err != nil {
		return err
	}
	if c.sumsB, c.inB, err = digests(c.B, keys, c.sumsB, c.inB); err != nil {
		return err
	}
	sumsA, sumsB, inA, inB := c.sumsA, c.sumsB, c.inA, c.inB
	var fix [][]byte
	for i, k := range keys {
		if !inA[i] {
			continue // gone since the scan
		}
		c.sum.Compared++
		kind := Kind(0)
		switch {
		case !inB[i]:
			kind = MissingInB
		case sumsA[i] != sumsB[i]:
			if same, err := c.canonicalEqual(k); err != nil {
				return err
			} else if !same {
				kind = Differs
			}
		}
		if kind != 0 {
			c.found(k, kind)
			fix = append(fix, k)
		}
	}
	return c.repair(ctx, fix)
}

// pageOfB finds owned keys of B that A lacks.
func (c *Compare) pageOfB(ctx context.Context, keys [][]byte) error {
	for _, k := range keys {
		c.A.Queue([]byte("EXISTS"), k)
	}
	if err := c.A.Send(); err != nil {
		return err
	}
	var fix [][]byte
	for _, k := range keys {
		r, err := c.A.Reply()
		if err != nil {
			return err
		}
		n, err := replay.Int(r)
		if err != nil {
			return fmt.Errorf("cannot check %q: %w", k, err)
		}
		if n == 0 {
			c.found(k, MissingInA)
			fix = append(fix, k)
		}
	}
	return c.repair(ctx, fix)
}

func (c *Compare) canonicalEqual(key []byte) (bool, error) {
	a, err := replay.Canonical(c.A, key)
	if err != nil {
		return false, err
	}
	b, err := replay.Canonical(c.B, key)
	if err != nil {
		return false, err
	}
	return bytes.Equal(a, b), nil
}

func (c *Compare) found(key []byte, k Kind) {
	switch k {
	case MissingInB:
		c.sum.MissingInB++
	case MissingInA:
		c.sum.MissingInA++
	case Differs:
		c.sum.Differs++
	}
	if c.Report != nil {
		c.Report(Diff{Key: key, Kind: k})
	}
}

func (c *Compare) repair(ctx context.Context, keys [][]byte) error {
	if !c.Repair || len(keys) == 0 {
		return nil
	}
	if err := c.copier.Copy(ctx, keys); err != nil {
		return fmt.Errorf("cannot repair: %w", err)
	}
	c.sum.Repaired += int64(len(keys))
	return nil
}
