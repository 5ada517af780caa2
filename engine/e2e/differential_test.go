package e2e

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

var (
	seed     = flag.Uint64("seed", 0, "seed of TestDifferential (0 picks one from the clock; it is printed on failure)")
	commands = flag.Int("e2e.commands", 6000, "number of random commands TestDifferential sends")
)

// norm says how a reply may legitimately differ between two redis-servers
// given the same commands.
type norm int

const (
	exact     norm = iota
	unordered      // set members: hash-table order depends on a per-process seed
	pairs          // HGETALL: field/value pairs in hash-table order
	ttlSec         // TTL: the two servers read the clock at slightly different times
	ttlMilli       // PTTL
)

type command struct {
	args [][]byte
	norm norm
}

func (c command) String() string {
	var b strings.Builder
	for i, a := range c.args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if len(a) > 40 {
			fmt.Fprintf(&b, "%q...(%d bytes)", a[:40], len(a))
		} else {
			fmt.Fprintf(&b, "%q", a)
		}
	}
	return b.String()
}

// gen draws random commands over a small key space so that commands meet
// each other's data (and each other's types: WRONGTYPE errors are compared too).
type gen struct {
	r        *rand.Rand
	keys     map[byte][][]byte
	members  [][]byte
	expireAt int64 // an absolute time one hour ahead, the same on both sides
}

const kinds = "snhlSz" // string, counter, hash, list, set, sorted set

func newGen(s uint64) *gen {
	g := &gen{r: rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15)), keys: map[byte][][]byte{}}
	for _, k := range []byte(kinds) {
		for i := 0; i < 12; i++ {
			g.keys[k] = append(g.keys[k], fmt.Appendf(nil, "%c:%d", k, i))
		}
		for i := 0; i < 4; i++ { // binary keys: CR LF, NUL, high bytes
			g.keys[k] = append(g.keys[k], append(fmt.Appendf(nil, "%c:\r\n\x00", k), g.bytes(1+g.r.IntN(12))...))
		}
	}
	for i := 0; i < 12; i++ {
		g.members = append(g.members, fmt.Appendf(nil, "m%d", i))
	}
	g.members = append(g.members, []byte("m\r\n"), []byte(""), []byte("\x00\xff"), []byte("a b"))
	g.expireAt = time.Now().Add(time.Hour).Unix()
	return g
}

func (g *gen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return b
}

// key returns a key of kind k, or now and then one of another kind.
func (g *gen) key(k byte) []byte {
	if g.r.IntN(12) == 0 {
		k = kinds[g.r.IntN(len(kinds))]
	}
	ks := g.keys[k]
	return ks[g.r.IntN(len(ks))]
}

func (g *gen) value() []byte {
	switch n := g.r.IntN(20); {
	case n < 10:
		return fmt.Appendf(nil, "v%d", g.r.IntN(1000))
	case n < 14:
		const tail = "\r\n$3\r\n*1\r\n"
		return append(g.bytes(g.r.IntN(64)), tail[:g.r.IntN(len(tail)+1)]...)
	case n < 17:
		return bytes.Repeat([]byte{'a' + byte(g.r.IntN(26))}, 100+g.r.IntN(4000))
	case n < 19:
		return strconv.AppendInt(nil, int64(g.r.IntN(200)-100), 10)
	default:
		return nil
	}
}

func (g *gen) member() []byte { return g.members[g.r.IntN(len(g.members))] }
func (g *gen) num(lo, hi int) []byte {
	return strconv.AppendInt(nil, int64(lo+g.r.IntN(hi-lo+1)), 10)
}

func (g *gen) score() []byte {
	switch g.r.IntN(6) {
	case 0:
		return []byte(strconv.FormatFloat(float64(g.r.IntN(100))/4, 'f', -1, 64))
	case 1:
		return []byte([]string{"-inf", "+inf", "(3", "(-2"}[g.r.IntN(4)])
	default:
		return g.num(-20, 20)
	}
}

func b(s ...string) [][]byte { return enginetest.Args(s...) }

func cmd(n norm, parts ...any) command {
	var args [][]byte
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			args = append(args, []byte(v))
		case []byte:
			args = append(args, v)
		case [][]byte:
			args = append(args, v...)
		default:
			panic(fmt.Sprintf("unexpected part %T", p))
		}
	}
	return command{args: args, norm: n}
}

// next returns one random command.
func (g *gen) next() command {
	s, n, h, l, S, z := byte('s'), byte('n'), byte('h'), byte('l'), byte('S'), byte('z')
	anyKind := func() byte { return kinds[g.r.IntN(len(kinds))] }
	switch g.r.IntN(100) {
	// strings
	case 0, 1, 2:
		return cmd(exact, "SET", g.key(s), g.value())
	case 3:
		opt := [][][]byte{b("NX"), b("XX"), b("EX", "1000"), b("PX", "900000"), b("KEEPTTL"), b("GET"), b("XX", "GET"), b("EXAT", strconv.FormatInt(g.expireAt, 10))}
		return cmd(exact, "SET", g.key(s), g.value(), opt[g.r.IntN(len(opt))])
	case 4, 5, 6:
		return cmd(exact, "GET", g.key(s))
	case 7:
		return cmd(exact, []string{"GETSET", "GETDEL"}[g.r.IntN(2)], g.key(s), g.value())
	case 8:
		return cmd(exact, "APPEND", g.key(s), g.value())
	case 9:
		return cmd(exact, "STRLEN", g.key(s))
	case 10:
		return cmd(exact, "GETRANGE", g.key(s), g.num(-10, 10), g.num(-5, 50))
	case 11:
		return cmd(exact, "SETRANGE", g.key(s), g.num(0, 40), g.value())
	case 12:
		return cmd(exact, "INCR", g.key(s)) // mostly "not an integer" errors
	case 13:
		switch g.r.IntN(3) {
		case 0:
			return cmd(exact, "SETNX", g.key(s), g.value())
		case 1:
			return cmd(exact, "SETEX", g.key(s), "1000", g.value())
		default:
			return cmd(exact, "PSETEX", g.key(s), "1000000", g.value())
		}
	case 14, 15:
		c := cmd(exact, "MSET")
		for i := 1 + g.r.IntN(4); i > 0; i-- {
			c.args = append(c.args, g.key(s), g.value())
		}
		return c
	case 16, 17:
		c := cmd(exact, "MGET")
		for i := 1 + g.r.IntN(6); i > 0; i-- {
			c.args = append(c.args, g.key(anyKind()))
		}
		return c
	case 18:
		c := cmd(exact, []string{"DEL", "UNLINK", "EXISTS", "TOUCH"}[g.r.IntN(4)])
		for i := 1 + g.r.IntN(3); i > 0; i-- {
			c.args = append(c.args, g.key(anyKind()))
		}
		return c
	case 19:
		return cmd(exact, "TYPE", g.key(anyKind()))
	case 20:
		return cmd(exact, "SETBIT", g.key(s), g.num(0, 200), g.num(0, 1))
	case 21:
		return cmd(exact, []string{"GETBIT", "BITCOUNT", "BITPOS"}[g.r.IntN(3)], g.key(s), g.num(0, 1))
	// counters
	case 22, 23, 24:
		return cmd(exact, []string{"INCR", "DECR"}[g.r.IntN(2)], g.key(n))
	case 25, 26:
		return cmd(exact, []string{"INCRBY", "DECRBY"}[g.r.IntN(2)], g.key(n), g.num(-1000, 1000))
	case 27:
		return cmd(exact, "INCRBYFLOAT", g.key(n), []string{"1.5", "-0.25", "3", "1e3", "abc"}[g.r.IntN(5)])
	case 28:
		return cmd(exact, "GET", g.key(n))
	// hashes
	case 29, 30, 31:
		c := cmd(exact, []string{"HSET", "HMSET"}[g.r.IntN(2)], g.key(h))
		for i := 1 + g.r.IntN(3); i > 0; i-- {
			c.args = append(c.args, g.member(), g.value())
		}
		return c
	case 32:
		return cmd(exact, "HSETNX", g.key(h), g.member(), g.value())
	case 33, 34:
		return cmd(exact, []string{"HGET", "HEXISTS", "HSTRLEN"}[g.r.IntN(3)], g.key(h), g.member())
	case 35:
		return cmd(exact, "HMGET", g.key(h), g.member(), g.member(), g.member())
	case 36:
		return cmd(exact, "HDEL", g.key(h), g.member(), g.member())
	case 37:
		return cmd(exact, "HLEN", g.key(h))
	case 38:
		return cmd(exact, "HINCRBY", g.key(h), g.member(), g.num(-50, 50))
	case 39:
		return cmd(exact, "HINCRBYFLOAT", g.key(h), g.member(), "0.5")
	case 40:
		return cmd(pairs, "HGETALL", g.key(h))
	case 41:
		return cmd(unordered, []string{"HKEYS", "HVALS"}[g.r.IntN(2)], g.key(h))
	// lists
	case 42, 43, 44:
		c := cmd(exact, []string{"LPUSH", "RPUSH"}[g.r.IntN(2)], g.key(l))
		for i := 1 + g.r.IntN(4); i > 0; i-- {
			c.args = append(c.args, g.value())
		}
		return c
	case 45:
		return cmd(exact, []string{"LPUSHX", "RPUSHX"}[g.r.IntN(2)], g.key(l), g.value())
	case 46:
		if g.r.IntN(2) == 0 {
			return cmd(exact, []string{"LPOP", "RPOP"}[g.r.IntN(2)], g.key(l))
		}
		return cmd(exact, []string{"LPOP", "RPOP"}[g.r.IntN(2)], g.key(l), g.num(0, 3))
	case 47, 48:
		return cmd(exact, "LRANGE", g.key(l), g.num(-5, 3), g.num(-3, 10))
	case 49:
		return cmd(exact, "LINDEX", g.key(l), g.num(-4, 4))
	case 50:
		return cmd(exact, "LLEN", g.key(l))
	case 51:
		return cmd(exact, "LSET", g.key(l), g.num(-3, 3), g.value())
	case 52:
		return cmd(exact, "LREM", g.key(l), g.num(-2, 2), g.value())
	case 53:
		return cmd(exact, "LTRIM", g.key(l), g.num(0, 2), g.num(5, 40))
	case 54:
		return cmd(exact, "LINSERT", g.key(l), []string{"BEFORE", "AFTER"}[g.r.IntN(2)], g.value(), g.value())
	case 55:
		return cmd(exact, "RPOPLPUSH", g.key(l), g.key(l))
	case 56:
		return cmd(exact, "LMOVE", g.key(l), g.key(l), "LEFT", "RIGHT")
	case 57:
		return cmd(exact, "LPOS", g.key(l), g.value())
	case 58:
		return cmd(exact, "LMPOP", "2", g.key(l), g.key(l), "LEFT", "COUNT", "2")
	case 59:
		// Sorting uses strcoll, for which "\x00\xff" and "" tie: their order
		// then follows the set's hash-table order.
		return cmd(unordered, "SORT", g.key(l), "ALPHA")
	// sets
	case 60, 61, 62:
		c := cmd(exact, "SADD", g.key(S))
		for i := 1 + g.r.IntN(4); i > 0; i-- {
			c.args = append(c.args, g.member())
		}
		return c
	case 63:
		return cmd(exact, "SREM", g.key(S), g.member(), g.member())
	case 64:
		return cmd(exact, "SCARD", g.key(S))
	case 65:
		return cmd(exact, "SISMEMBER", g.key(S), g.member())
	case 66:
		return cmd(exact, "SMISMEMBER", g.key(S), g.member(), g.member())
	case 67, 68:
		return cmd(unordered, "SMEMBERS", g.key(S))
	case 69:
		return cmd(exact, "SMOVE", g.key(S), g.key(S), g.member())
	case 70:
		return cmd(unordered, []string{"SINTER", "SUNION", "SDIFF"}[g.r.IntN(3)], g.key(S), g.key(S))
	case 71:
		return cmd(exact, []string{"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"}[g.r.IntN(3)], g.key(S), g.key(S), g.key(S))
	case 72:
		return cmd(exact, "SINTERCARD", "2", g.key(S), g.key(S))
	// sorted sets
	case 73, 74, 75:
		c := cmd(exact, "ZADD", g.key(z))
		if g.r.IntN(4) == 0 {
			c.args = append(c.args, b([]string{"NX", "XX", "GT", "LT", "CH"}[g.r.IntN(5)])...)
		}
		for i := 1 + g.r.IntN(3); i > 0; i-- {
			c.args = append(c.args, g.num(-20, 20), g.member())
		}
		return c
	case 76:
		return cmd(exact, "ZREM", g.key(z), g.member())
	case 77:
		return cmd(exact, "ZCARD", g.key(z))
	case 78:
		return cmd(exact, "ZCOUNT", g.key(z), g.score(), g.score())
	case 79:
		return cmd(exact, "ZINCRBY", g.key(z), g.num(-5, 5), g.member())
	case 80, 81:
		c := cmd(exact, []string{"ZRANGE", "ZREVRANGE"}[g.r.IntN(2)], g.key(z), g.num(-5, 2), g.num(-1, 10))
		if g.r.IntN(2) == 0 {
			c.args = append(c.args, []byte("WITHSCORES"))
		}
		return c
	case 82:
		return cmd(exact, "ZRANGEBYSCORE", g.key(z), g.score(), g.score(), "WITHSCORES", "LIMIT", "0", "5")
	case 83:
		return cmd(exact, "ZREVRANGEBYSCORE", g.key(z), g.score(), g.score())
	case 84:
		return cmd(exact, "ZRANGEBYLEX", g.key(z), "-", "+")
	case 85:
		return cmd(exact, []string{"ZRANK", "ZREVRANK", "ZSCORE"}[g.r.IntN(3)], g.key(z), g.member())
	case 86:
		return cmd(exact, "ZMSCORE", g.key(z), g.member(), g.member())
	case 87:
		return cmd(exact, "ZREMRANGEBYRANK", g.key(z), "0", g.num(0, 2))
	case 88:
		return cmd(exact, "ZREMRANGEBYSCORE", g.key(z), g.score(), g.score())
	case 89:
		return cmd(exact, []string{"ZUNIONSTORE", "ZINTERSTORE"}[g.r.IntN(2)], g.key(z), "2", g.key(z), g.key(z))
	case 90:
		return cmd(exact, "ZMPOP", "2", g.key(z), g.key(z), []string{"MIN", "MAX"}[g.r.IntN(2)])
	// expiry
	case 91, 92:
		c := cmd(exact, "EXPIRE", g.key(anyKind()), g.num(500, 5000))
		if g.r.IntN(3) == 0 {
			c.args = append(c.args, b([]string{"NX", "XX", "GT", "LT"}[g.r.IntN(4)])...)
		}
		return c
	case 93:
		return cmd(exact, "PEXPIRE", g.key(anyKind()), g.num(500000, 5000000))
	case 94:
		return cmd(exact, []string{"EXPIREAT", "PEXPIREAT"}[g.r.IntN(2)], g.key(anyKind()), strconv.FormatInt(g.expireAt, 10)+[]string{"", "000"}[g.r.IntN(2)])
	case 95, 96:
		return cmd(ttlSec, "TTL", g.key(anyKind()))
	case 97:
		return cmd(ttlMilli, "PTTL", g.key(anyKind()))
	case 98:
		return cmd(exact, "PERSIST", g.key(anyKind()))
	default:
		return cmd(exact, "GETEX", g.key(s), "EX", g.num(100, 1000))
	}
}

// bigCommands moves 1 MiB and 16 MiB values through strings, hashes and lists.
func (g *gen) bigCommands() []command {
	m1 := bytes.Repeat([]byte("0123456789abcdef\r\n"), (1<<20)/18+1)[:1<<20]
	m16 := bytes.Repeat(g.bytes(4096), 4096)
	return []command{
		cmd(exact, "SET", "big:1m", m1),
		cmd(exact, "GET", "big:1m"),
		cmd(exact, "APPEND", "big:1m", "tail\r\n"),
		cmd(exact, "STRLEN", "big:1m"),
		cmd(exact, "GETRANGE", "big:1m", "1048570", "-1"),
		cmd(exact, "SET", "big:16m", m16),
		cmd(exact, "GET", "big:16m"),
		cmd(exact, "GET", "big:1m"),
		cmd(exact, "HSET", "big:h", "f", m1, "g", "x"),
		cmd(exact, "HMGET", "big:h", "f", "g", "nope"),
		cmd(exact, "RPUSH", "big:l", m1, m1),
		cmd(exact, "LRANGE", "big:l", "0", "-1"),
		cmd(exact, "MSET", "big:a", m1, "big:b", m1),
		cmd(exact, "MGET", "big:a", "big:16m", "big:b"),
		cmd(exact, "DEL", "big:1m", "big:16m", "big:h", "big:l", "big:a", "big:b"),
	}
}

// sameReply reports whether the two replies are equal up to n.
func sameReply(n norm, a, b *enginetest.Reply) bool {
	if bytes.Equal(a.Raw, b.Raw) {
		return true
	}
	switch n {
	case unordered, pairs:
		if a.Type != '*' || b.Type != '*' || len(a.Elems) != len(b.Elems) {
			return false
		}
		step := 1
		if n == pairs {
			step = 2
		}
		key := func(r *enginetest.Reply) []string {
			var s []string
			for i := 0; i+step <= len(r.Elems); i += step {
				var k []byte
				for _, e := range r.Elems[i : i+step] {
					k = append(k, e.Raw...)
				}
				s = append(s, string(k))
			}
			slices.Sort(s)
			return s
		}
		return slices.Equal(key(a), key(b))
	case ttlSec, ttlMilli:
		if a.Type != ':' || b.Type != ':' || a.Int < 0 || b.Int < 0 {
			return false
		}
		tol := int64(2)
		if n == ttlMilli {
			tol = 2000
		}
		return max(a.Int-b.Int, b.Int-a.Int) <= tol
	}
	return false
}

// TestDifferential sends the same seeded random commands, in pipelines, to a
// redis-server through the node and to a second redis-server directly, and
// requires equal replies.
func TestDifferential(t *testing.T) {
	s := *seed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("TestDifferential seed: -seed=%d", s)
		}
	})
	node, _ := proxy(t, nil)
	ref := enginetest.Redis(t)
	pc := enginetest.DialTB(t, node.Addr)
	rc := enginetest.DialTB(t, ref.Addr)
	pc.Timeout, rc.Timeout = 30*time.Second, 30*time.Second

	g := newGen(s)
	// Batch sizes: mostly short pipelines, some of exactly 1,000 commands, and
	// one batch of large values in the middle.
	sent, batchNo, mismatches := 0, 0, 0
	for sent < *commands {
		var batch []command
		switch {
		case batchNo == 5:
			batch = g.bigCommands()
		case batchNo%7 == 3:
			for range 1000 {
				batch = append(batch, g.next())
			}
		default:
			for i := 1 + g.r.IntN(60); i > 0; i-- {
				batch = append(batch, g.next())
			}
		}
		batchNo++
		var pr, rr []*enginetest.Reply
		var perr, rerr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); pr, perr = roundTrip(pc, batch) }()
		go func() { defer wg.Done(); rr, rerr = roundTrip(rc, batch) }()
		wg.Wait()
		if rerr != nil {
			t.Fatalf("direct redis: batch %d: %v", batchNo, rerr)
		}
		if perr != nil {
			t.Fatalf("through the node: batch %d (commands %d..%d): %v", batchNo, sent, sent+len(batch)-1, perr)
		}
		for i, c := range batch {
			if !sameReply(c.norm, pr[i], rr[i]) {
				mismatches++
				t.Errorf("command #%d (batch %d of %d commands): %s\n  through the node: %q\n  direct:           %q",
					sent+i, batchNo, len(batch), c, trunc(pr[i].Raw), trunc(rr[i].Raw))
				if mismatches >= 10 {
					t.Fatalf("stopping after %d mismatches", mismatches)
				}
			}
		}
		sent += len(batch)
	}
	t.Logf("%d commands in %d pipelines compared", sent, batchNo)
}

// roundTrip writes the batch while reading its replies, so that a node that
// stops reading until replies are consumed cannot deadlock the test.
func roundTrip(c *enginetest.Client, batch []command) ([]*enginetest.Reply, error) {
	werr := make(chan error, 1)
	go func() {
		for _, cm := range batch {
			if err := c.SendBytes(cm.args...); err != nil {
				werr <- err
				return
			}
		}
		werr <- c.Flush()
	}()
	out := make([]*enginetest.Reply, 0, len(batch))
	for range batch {
		r, err := c.Read()
		if err != nil {
			<-werr
			return nil, fmt.Errorf("reply %d of %d: %w", len(out), len(batch), err)
		}
		out = append(out, r)
	}
	if err := <-werr; err != nil {
		return nil, err
	}
	return out, nil
}
