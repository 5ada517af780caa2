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

	out  []byte
	dump []byte
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
			return err
		}
		keys = keys[n:]
	}
	return nil
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

// copyBatch copies at most a batch of keys in two round trips.
func (c *Copier) copyBatch(keys [][]byte) error {
	for _, k := range keys {
		c.Src.out = AppendSource(c.Src.out, k)
	}
	if err := c.Src.Send(); err != nil {
		return err
	}
	c.out = c.out[:0]
	var restored, deleted uint64
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
		c.out, a, err = AppendTarget(c.out, k, c.dump, pttl)
		switch {
		case err != nil && first == nil:
			first = err
		case a == Restore:
			restored++
		case a == Delete:
			deleted++
		}
	}
	c.Dst.QueueRaw(c.out)
	if err := c.Dst.Send(); err != nil {
		return err
	}
	for i := 0; i < int(restored+deleted); i++ {
		r, err := c.Dst.Reply()
		if err != nil {
			return err
		}
		if err := OK(r); err != nil && first == nil {
			first = fmt.Errorf("cannot restore a key: %w", err)
		}
	}
	c.Counts.Restored += restored
	c.Counts.Deleted += deleted
	return first
}
