package replay

import (
	"bytes"
	"context"
	"fmt"
	"strconv"

	"github.com/dynomite-go/dynomite/codec/memcache"
)

// MemcacheReply reads the next complete reply to a request of command cmd
// (memcache.CmdGet, CmdSet, CmdDelete, ...). The returned bytes are a view
// valid until the next read.
func (c *Conn) MemcacheReply(cmd memcache.Command) ([]byte, memcache.Status, error) {
	var st memcache.Status
	r, err := c.next(func(b []byte) (int, bool, error) {
		n, s, err := c.mc.Scan(b, cmd)
		if err == memcache.ErrIncomplete {
			return 0, true, nil
		}
		st = s
		return n, false, err
	})
	return r, st, err
}

// Item is a memcached item as get returns it.
type Item struct {
	Flags uint64
	Data  []byte // a view of the reply
}

// GetItem reads a reply to "get key" holding at most one VALUE block. It
// returns false for a miss.
func GetItem(r []byte, st memcache.Status) (Item, bool, error) {
	if st.IsError() {
		return Item{}, false, &ServerError{Msg: string(bytes.TrimRight(r, "\r\n"))}
	}
	if st != memcache.StatusEnd {
		return Item{}, false, fmt.Errorf("cannot read get reply %q: %w", clip(r), ErrReply)
	}
	if bytes.HasPrefix(r, []byte("END\r\n")) {
		return Item{}, false, nil
	}
	// VALUE <key> <flags> <bytes>\r\n<data>\r\nEND\r\n
	nl := bytes.IndexByte(r, '\n')
	f := bytes.Fields(r[:nl])
	if len(f) < 4 || !bytes.Equal(f[0], []byte("VALUE")) {
		return Item{}, false, fmt.Errorf("cannot read get reply %q: %w", clip(r), ErrReply)
	}
	flags, err1 := strconv.ParseUint(string(f[2]), 10, 64)
	size, err2 := strconv.Atoi(string(f[3]))
	if err1 != nil || err2 != nil || size < 0 || nl+1+size+2 > len(r) {
		return Item{}, false, fmt.Errorf("cannot read get reply %q: %w", clip(r), ErrReply)
	}
	return Item{Flags: flags, Data: r[nl+1 : nl+1+size]}, true, nil
}

// AppendMemcacheSet appends "set key flags 0 len\r\ndata\r\n": the copy of
// an item, which never expires (get cannot tell the source's expiry).
func AppendMemcacheSet(dst, key []byte, it Item) []byte {
	dst = append(dst, "set "...)
	dst = append(dst, key...)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, it.Flags, 10)
	dst = append(dst, " 0 "...)
	dst = strconv.AppendInt(dst, int64(len(it.Data)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, it.Data...)
	return append(dst, '\r', '\n')
}

// MemcacheCopier copies memcached keys from Src to Dst: get on the source,
// then set (value and flags, exptime 0) or delete on the target, in
// pipelined batches. It is owned by one goroutine.
type MemcacheCopier struct {
	Src, Dst *Conn
	Limiter  Limiter // nil: no limit
	Batch    int
	Counts   Counts

	cmds []memcache.Command
}

// Copy copies keys batch by batch; copying a key again is harmless.
func (c *MemcacheCopier) Copy(ctx context.Context, keys [][]byte) error {
	batch := c.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	for len(keys) > 0 {
		n := min(batch, len(keys))
		if c.Limiter != nil {
			if err := c.Limiter.WaitN(ctx, n); err != nil {
				return fmt.Errorf("cannot wait for the repair rate: %w", err)
			}
		} else if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.copyBatch(keys[:n]); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

func (c *MemcacheCopier) copyBatch(keys [][]byte) error {
	for _, k := range keys {
		c.Src.out = append(append(append(c.Src.out, "get "...), k...), '\r', '\n')
	}
	if err := c.Src.Send(); err != nil {
		return err
	}
	c.cmds = c.cmds[:0]
	for _, k := range keys {
		r, st, err := c.Src.MemcacheReply(memcache.CmdGet)
		if err != nil {
			return err
		}
		it, ok, err := GetItem(r, st)
		if err != nil {
			return fmt.Errorf("cannot get %q: %w", k, err)
		}
		if ok {
			c.Dst.out = AppendMemcacheSet(c.Dst.out, k, it)
			c.cmds = append(c.cmds, memcache.CmdSet)
		} else {
			c.Dst.out = append(append(append(c.Dst.out, "delete "...), k...), '\r', '\n')
			c.cmds = append(c.cmds, memcache.CmdDelete)
		}
	}
	if err := c.Dst.Send(); err != nil {
		return err
	}
	var first error
	for _, cmd := range c.cmds {
		r, st, err := c.Dst.MemcacheReply(cmd)
		if err != nil {
			return err
		}
		switch {
		case st == memcache.StatusStored:
			c.Counts.Restored++
		case st == memcache.StatusDeleted || st == memcache.StatusNotFound:
			c.Counts.Deleted++
		case first == nil:
			first = fmt.Errorf("cannot copy a key: %w", &ServerError{Msg: string(bytes.TrimRight(r, "\r\n"))})
		}
	}
	return first
}
