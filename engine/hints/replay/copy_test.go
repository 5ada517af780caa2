package replay

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

func dial(t *testing.T, addr string) *Conn {
	t.Helper()
	c, err := Dial(addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func do(t *testing.T, c *Conn, args ...string) []byte {
	t.Helper()
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	r, err := c.Do(b...)
	if err != nil {
		t.Fatalf("cannot %v: %v", args, err)
	}
	if err := OK(r); err != nil {
		t.Fatalf("cannot %v: %v", args, err)
	}
	return append([]byte(nil), r...)
}

// fill writes one key of every type, each with and without expiry, and
// returns the keys.
func fill(t *testing.T, c *Conn, prefix string) [][]byte {
	t.Helper()
	var keys [][]byte
	for _, exp := range []string{"", "e"} {
		p := prefix + exp
		do(t, c, "SET", p+"str", "hello world")
		for range 5 {
			do(t, c, "INCR", p+"counter")
		}
		do(t, c, "HSET", p+"hash", "f1", "v1", "f2", "v2")
		do(t, c, "RPUSH", p+"list", "a", "b", "c", "a")
		do(t, c, "SADD", p+"set", "x", "y", "z")
		do(t, c, "ZADD", p+"zset", "1", "one", "2.5", "two")
		for _, k := range []string{"str", "counter", "hash", "list", "set", "zset"} {
			keys = append(keys, []byte(p+k))
			if exp != "" {
				do(t, c, "PEXPIRE", p+k, "100000")
			}
		}
	}
	return keys
}

// same checks that both datastores hold key alike: equal DUMP payloads,
// and PTTLs within tolerance (the copy's clock starts a little later).
func same(t *testing.T, a, b *Conn, key []byte) {
	t.Helper()
	da, db := do(t, a, "DUMP", string(key)), do(t, b, "DUMP", string(key))
	if string(da) != string(db) {
		ca, err1 := Canonical(a, key)
		cb, err2 := Canonical(b, key)
		if err1 != nil || err2 != nil || string(ca) != string(cb) {
			t.Fatalf("unexpected value of %q; got %q; want %q (DUMP %q, %q)", key, cb, ca, db, da)
		}
	}
	ta, _ := Int(do(t, a, "PTTL", string(key)))
	tb, _ := Int(do(t, b, "PTTL", string(key)))
	if (ta < 0 || tb < 0) && ta != tb || ta >= 0 && (tb > ta+50 || tb < ta-2000) {
		t.Fatalf("unexpected PTTL of %q; got %d; want about %d", key, tb, ta)
	}
}

func TestCopyEveryType(t *testing.T) {
	src, dst := enginetest.Redis(t), enginetest.Redis(t)
	s, d := dial(t, src.Addr), dial(t, dst.Addr)
	keys := fill(t, s, "k:")
	do(t, d, "SET", "k:gone", "stale") // absent on the source: deleted
	do(t, d, "SET", "k:str", "older")  // overwritten
	keys = append(keys, []byte("k:gone"))
	c := &Copier{Src: s, Dst: d, Batch: 5}
	if err := c.Copy(context.Background(), keys); err != nil {
		t.Fatal(err)
	}
	if c.Counts.Restored != 12 || c.Counts.Deleted != 1 {
		t.Fatalf("unexpected counts %+v; want 12 restored, 1 deleted", c.Counts)
	}
	for _, k := range keys {
		same(t, s, d, k)
	}
	do(t, d, "SADD", "k:set", "w")
	ca, _ := Canonical(s, []byte("k:set"))
	cb, _ := Canonical(d, []byte("k:set"))
	if string(ca) == string(cb) {
		t.Fatalf("unexpected equal canonical forms of different sets: %q", ca)
	}
	if r := do(t, d, "EXISTS", "k:gone"); string(r) != ":0\r\n" {
		t.Fatalf("unexpected EXISTS of a deleted key; got %q", r)
	}
}

// TestCopyTwice: copying a counter twice is copying it once.
func TestCopyTwice(t *testing.T) {
	src, dst := enginetest.Redis(t), enginetest.Redis(t)
	s, d := dial(t, src.Addr), dial(t, dst.Addr)
	for range 7 {
		do(t, s, "INCR", "n")
	}
	c := &Copier{Src: s, Dst: d, Limiter: NewLimiter(100000, 64)}
	for range 2 {
		if err := c.Copy(context.Background(), [][]byte{[]byte("n")}); err != nil {
			t.Fatal(err)
		}
	}
	if r := do(t, d, "GET", "n"); string(r) != "$1\r\n7\r\n" {
		t.Fatalf("unexpected counter after two copies; got %q; want 7", r)
	}
}

func TestCopyRateLimited(t *testing.T) {
	src, dst := enginetest.Redis(t), enginetest.Redis(t)
	s, d := dial(t, src.Addr), dial(t, dst.Addr)
	var keys [][]byte
	for i := range 60 {
		keys = append(keys, fmt.Appendf(nil, "r%d", i))
	}
	c := &Copier{Src: s, Dst: d, Batch: 10, Limiter: NewLimiter(100, 10)}
	start := time.Now()
	if err := c.Copy(context.Background(), keys); err != nil {
		t.Fatal(err)
	}
	// 60 keys at 100/s with a burst of 10: at least 0.5 s.
	if el := time.Since(start); el < 400*time.Millisecond {
		t.Fatalf("unexpected copy time %v; want at least 0.4 s at 100 keys/s", el)
	}
	if c.Counts.Deleted != 60 {
		t.Fatalf("unexpected counts %+v", c.Counts)
	}
}

func TestCopyMemcache(t *testing.T) {
	src, dst := enginetest.Memcached(t), enginetest.Memcached(t)
	s, d := dial(t, src.Addr), dial(t, dst.Addr)
	raw := func(c *Conn, req string) string {
		t.Helper()
		c.out = append(c.out, req...)
		if err := c.Send(); err != nil {
			t.Fatal(err)
		}
		cmd := memcacheCmd(req)
		r, _, err := c.MemcacheReply(cmd)
		if err != nil {
			t.Fatal(err)
		}
		return string(r)
	}
	raw(s, "set a 42 0 5\r\nhello\r\n")
	raw(s, "set b 0 3600 3\r\nbye\r\n")
	raw(d, "set gone 1 0 1\r\nx\r\n")
	c := &MemcacheCopier{Src: s, Dst: d}
	keys := [][]byte{[]byte("a"), []byte("b"), []byte("gone")}
	for range 2 {
		if err := c.Copy(context.Background(), keys); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"a", "b", "gone"} {
		if got, want := raw(d, "get "+k+"\r\n"), raw(s, "get "+k+"\r\n"); got != want {
			t.Fatalf("unexpected copy of %s; got %q; want %q", k, got, want)
		}
	}
	if c.Counts.Restored != 4 || c.Counts.Deleted != 2 {
		t.Fatalf("unexpected counts %+v", c.Counts)
	}
}
