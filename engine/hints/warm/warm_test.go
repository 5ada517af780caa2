package warm

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"path/filepath"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/hints/replay"
)

func dial(t *testing.T, addr string) *replay.Conn {
	t.Helper()
	c, err := replay.Dial(addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// half owns about half the keys.
func half(key []byte) bool { return crc32.ChecksumIEEE(key)%2 == 0 }

// fill writes n keys of mixed types, a quarter of them with expiry, in
// pipelined pages.
func fill(t *testing.T, c *replay.Conn, n int) {
	t.Helper()
	sent := 0
	for i := range n {
		k := fmt.Appendf(nil, "key:%d", i)
		v := fmt.Appendf(nil, "value-%d", i)
		switch i % 6 {
		case 0:
			c.Queue([]byte("SET"), k, v)
		case 1:
			c.Queue([]byte("INCRBY"), k, []byte("17"))
		case 2:
			c.Queue([]byte("HSET"), k, []byte("a"), v, []byte("b"), []byte("2"))
		case 3:
			c.Queue([]byte("RPUSH"), k, v, v, []byte("x"))
		case 4:
			c.Queue([]byte("SADD"), k, v, []byte("m1"), []byte("m2"))
		case 5:
			c.Queue([]byte("ZADD"), k, []byte("1.5"), v, []byte("3"), []byte("z"))
		}
		sent++
		if i%4 == 0 {
			c.Queue([]byte("PEXPIRE"), k, []byte("600000"))
			sent++
		}
		if sent >= 500 || i == n-1 {
			if err := c.Send(); err != nil {
				t.Fatal(err)
			}
			for range sent {
				r, err := c.Reply()
				if err != nil || replay.OK(r) != nil {
					t.Fatalf("cannot fill: %v %q", err, r)
				}
			}
			sent = 0
		}
	}
}

func check(t *testing.T, src, dst *replay.Conn, owned int64) {
	t.Helper()
	cmp := &Compare{A: src, B: dst, Owns: half, Count: 300}
	sum, err := cmp.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Compared != owned || sum.MissingInA+sum.MissingInB+sum.Differs != 0 {
		t.Fatalf("unexpected comparison %+v; want %d keys alike", sum, owned)
	}
	// Keys not owned were not copied.
	r, _ := dst.Do([]byte("DBSIZE"))
	if n, _ := replay.Int(r); n != owned {
		t.Fatalf("unexpected DBSIZE of the target; got %d; want %d", n, owned)
	}
}

func owned(n int) int64 {
	var c int64
	for i := range n {
		if half(fmt.Appendf(nil, "key:%d", i)) {
			c++
		}
	}
	return c
}

func TestWarm(t *testing.T) {
	const n = 10000
	src, dst := enginetest.Redis(t), enginetest.Redis(t)
	s, d := dial(t, src.Addr), dial(t, dst.Addr)
	fill(t, s, n)
	var last Progress
	w := &Warmer{Src: s, Dst: d, Owns: half, Checkpoint: filepath.Join(t.TempDir(), "warm.ckpt"), Count: 500,
		Progress: func(p Progress) { last = p }}
	p, err := w.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !p.Done || p.Scanned < n || p.Copied != owned(n) || p.Total != n || last != p {
		t.Fatalf("unexpected progress %+v (last reported %+v)", p, last)
	}
	t.Log(p)
	check(t, s, d, owned(n))
}

func TestWarmResume(t *testing.T) {
	const n = 10000
	src, dst := enginetest.Redis(t), enginetest.Redis(t)
	s, d := dial(t, src.Addr), dial(t, dst.Addr)
	fill(t, s, n)
	ckpt := filepath.Join(t.TempDir(), "warm.ckpt")
	ctx, cancel := context.WithCancel(context.Background())
	pages := 0
	w := &Warmer{Src: s, Dst: d, Owns: half, Checkpoint: ckpt, Count: 500, Progress: func(Progress) {
		if pages++; pages == 5 {
			cancel()
		}
	}}
	p, err := w.Run(ctx)
	if !errors.Is(err, context.Canceled) || p.Done || p.Scanned == 0 || p.Scanned >= n {
		t.Fatalf("unexpected interrupted run: %+v, %v", p, err)
	}
	first := p.Scanned
	// A fresh Warmer (a restarted process) goes on from the checkpoint.
	var resumedAt int64 = -1
	w2 := &Warmer{Src: s, Dst: d, Owns: half, Checkpoint: ckpt, Count: 500, Progress: func(q Progress) {
		if resumedAt < 0 {
			resumedAt = q.Scanned
		}
	}}
	p, err = w2.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !p.Done || resumedAt <= first || p.Scanned < n || p.Scanned > n+first {
		t.Fatalf("unexpected resumed run %+v (first page ended at %d, first run at %d)", p, resumedAt, first)
	}
	check(t, s, d, owned(n))
}

func TestCompareRepair(t *testing.T) {
	src, dst := enginetest.Redis(t), enginetest.Redis(t)
	s, d := dial(t, src.Addr), dial(t, dst.Addr)
	fill(t, s, 600)
	w := &Warmer{Src: s, Dst: d, Owns: half}
	if _, err := w.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var mine [][]byte
	var set []byte // an owned set
	for i := range 600 {
		if k := fmt.Appendf(nil, "key:%d", i); half(k) {
			mine = append(mine, k)
			if i%6 == 4 && set == nil {
				set = k
			}
		}
	}
	d.Do([]byte("DEL"), mine[0])                         // missing in B
	d.Do([]byte("SET"), mine[1], []byte("changed"))      // differs
	d.Do([]byte("SET"), []byte("extra:2"), []byte("x"))  // missing in A, if owned
	d.Do([]byte("SET"), []byte("extra:1"), []byte("x"))  // the other extra
	s.Do([]byte("SADD"), set, []byte("one-more-member")) // differs (a set)
	var got []Diff
	var last Summary
	pages := 0
	c := &Compare{A: s, B: d, Owns: half, Count: 100, Report: func(x Diff) {
		got = append(got, Diff{Key: append([]byte(nil), x.Key...), Kind: x.Kind})
	}, Progress: func(p Summary) { last, pages = p, pages+1 }}
	sum, err := c.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if last != sum || pages < 2 || sum.Scanned < 600+owned(600)+1 {
		t.Fatalf("unexpected progress: last %+v after %d pages; want %+v, scanned at least %d", last, pages, sum, 600+owned(600)+1)
	}
	extra := int64(0)
	for _, k := range []string{"extra:1", "extra:2"} {
		if half([]byte(k)) {
			extra++
		}
	}
	if sum.MissingInB != 1 || sum.Differs != 2 || sum.MissingInA != extra || len(got) != int(3+extra) {
		t.Fatalf("unexpected comparison %+v, diffs %q; want 1 missing in B, 2 differing, %d missing in A", sum, got, extra)
	}
	c.Repair = true
	if sum, err = c.Run(context.Background()); err != nil || sum.Repaired != 3+extra {
		t.Fatalf("unexpected repair %+v, %v", sum, err)
	}
	c.Repair = false
	if sum, err = c.Run(context.Background()); err != nil || sum.MissingInA+sum.MissingInB+sum.Differs != 0 {
		t.Fatalf("unexpected comparison after repair %+v, %v", sum, err)
	}
}
