package replay

import (
	"context"
	"fmt"

	"golang.org/x/time/rate"
)

// DefaultBatch is the number of keys a Copier reads and writes per round
// trip when Batch is 0.
const DefaultBatch = 64

// Limiter paces copies in keys; *rate.Limiter is one.
type Limiter interface {
	WaitN(ctx context.Context, n int) error
}

// NewLimiter returns a limiter of keysPerSec keys per second allowing a
// burst of one batch, or nil (no limit) for keysPerSec <= 0. Several
// Copiers may share one limiter.
func NewLimiter(keysPerSec, batch int) Limiter {
	if keysPerSec <= 0 {
		return nil
	}
	if batch <= 0 {
		batch = DefaultBatch
	}
	return rate.NewLimiter(rate.Limit(keysPerSec), max(batch, 1))
}

// Counts are what a Copier did.
type Counts struct {
	Restored uint64 // keys written with RESTORE
	Deleted  uint64 // keys deleted on the target
}

// Copier copies Redis keys from Src to Dst in pipelined batches: one
// round trip to the source (DUMP and PTTL of every key of the batch), one to
// the target. It is owned by one goroutine.
type Copier struct {
	Src, Dst *Conn
	Limiter  Limiter // nil: no limit; a rate.Limiter's burst must be at least Batch
	Batch    int     // keys per round trip; 0: DefaultBatch
	Counts   Counts

	dump []byte
	// The target's replies to the last batch are read while the source
	// works on the next one: pending replies, and the counts they confirm.
	pending           int
	pendRest, pendDel uint64
}

// Copy copies keys, batch by batch. On error some keys may be copied and
// some not; copying them all again is harmless.
func (c *Copier) Copy(ctx context.Context, keys [][]byte) error {
	batch := c.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	for len(keys) > 0 {
		n := min(batch, len(keys))
		if err := c.wait(ctx, n); err != nil {
			return err
		}
		if err := c.copyBatch(keys[:n]); err != nil {
			c.readReplies()
			return err
		}
		keys = keys[n:]
	}
	return c.readReplies()
}

// readReplies reads the target's replies to the batch sent last and
// counts what they confirm; the first error reply is returned.
func (c *Copier) readReplies() error {
	var first error
	for ; c.pending > 0; c.pending-- {
		r, err := c.Dst.Reply()
		if err != nil {
			c.pending = 0
			return err
		}
		if err := OK(r); err != nil && first == nil {
			first = fmt.Errorf("cannot restore a key: %w", err)
		}
	}
	c.Counts.Restored += c.pendRest
	c.Counts.Deleted += c.pendDel
	c.pendRest, c.pendDel = 0, 0
	return first
}

func (c *Copier) wait(ctx context.Context, n int) error {
	if c.Limiter == nil {
		return ctx.Err()
	}
	if err := c.Limiter.WaitN(ctx, n); err != nil {
		return fmt.Errorf("cannot wait for the repair rate: %w", err)
	}
	return nil
}

// copyBatch copies at most a batch of keys in two round trips: it reads
// the source's DUMP and PTTL replies, sends the target its RESTOREs and
// DELs, and leaves their replies to readReplies, which the next batch
// calls while the source works on it (Copy calls it at the end).
func (c *Copier) copyBatch(keys [][]byte) error {
	for _, k := range keys {
		c.Src.out = AppendSource(c.Src.out, k)
	}
	if err := c.Src.Send(); err != nil {
		return err
	}
	if err := c.readReplies(); err != nil {
		return err
	}
	var w Writes
	first := c.readSource(keys, &w)
	if err := c.SendTarget(&w); err != nil {
		return err
	}
	return first
}

// Writes are the target's requests for a batch of keys (Read) and how
// many of them restore and delete.
type Writes struct {
	Out               []byte
	Restored, Deleted uint64
}

// Read reads the source's DUMP and PTTL of keys in one round trip and
// appends the target's requests to w; it uses Src only. An error about one
// key (a reply that is not a DUMP) is returned after the others are read.
func (c *Copier) Read(keys [][]byte, w *Writes) error {
	for _, k := range keys {
		c.Src.out = AppendSource(c.Src.out, k)
	}
	if err := c.Src.Send(); err != nil {
		return err
	}
	return c.readSource(keys, w)
}

func (c *Copier) readSource(keys [][]byte, w *Writes) error {
	var first error
	for _, k := range keys {
		r, err := c.Src.Reply()
		if err != nil {
			return err
		}
		c.dump = append(c.dump[:0], r...)
		pttl, err := c.Src.Reply()
		if err != nil {
			return err
		}
		var a Action
		w.Out, a, err = AppendTarget(w.Out, k, c.dump, pttl)
		switch {
		case err != nil && first == nil:
			first = err
		case a == Restore:
			w.Restored++
		case a == Delete:
			w.Deleted++
		}
	}
	return first
}

// SendTarget sends w to the target; its replies are read by the next
// SendTarget, Write or Copy (readReplies). It uses Dst only.
func (c *Copier) SendTarget(w *Writes) error {
	if err := c.readReplies(); err != nil {
		return err
	}
	c.Dst.QueueRaw(w.Out)
	if err := c.Dst.Send(); err != nil {
		return err
	}
	c.pending, c.pendRest, c.pendDel = int(w.Restored+w.Deleted), w.Restored, w.Deleted
	return nil
}

// Write sends w to the target and reads its replies; it uses Dst only.
func (c *Copier) Write(w *Writes) error {
	if err := c.SendTarget(w); err != nil {
		return err
	}
	return c.readReplies()
}
