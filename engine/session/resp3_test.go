package session_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/session"
)

// TestRESP3LikeRedis: RESP2 replies of a real redis-server, converted by
// AppendRESP3, equal what the same redis-server answers a client that
// said HELLO 3.
func TestRESP3LikeRedis(t *testing.T) {
	r := enginetest.Redis(t)
	c2 := enginetest.DialTB(t, r.Addr)
	c3 := dialRESP3(t, r.Addr)
	c3.do(t, "HELLO", "3")
	for _, cmd := range [][]string{
		{"HSET", "h", "f1", "v1", "f2", "v2"},
		{"SADD", "s", "a", "b", "c"},
		{"ZADD", "z", "1.5", "m", "3", "n"}, {"ZADD", "z1", "0.25", "one"},
		{"SET", "k", "v"}, {"HSET", "h1", "only", "one"}, {"ZADD", "zp", "2.5", "a"},
	} {
		if _, err := c2.Do(cmd...); err != nil {
			t.Fatal(err)
		}
	}
	for _, cmd := range [][]string{
		{"HGETALL", "h"}, {"HGETALL", "nohash"},
		{"SMEMBERS", "s"}, {"SMEMBERS", "noset"}, {"SUNION", "s", "noset"},
		{"ZSCORE", "z", "m"}, {"ZSCORE", "z", "n"}, {"ZSCORE", "z", "none"}, {"ZINCRBY", "z", "0", "m"},
		{"GET", "nokey"}, {"GET", "k"}, {"MGET", "k", "nokey", "k"},
		{"HGET", "h", "nofield"}, {"LRANGE", "nolist", "0", "-1"},
		{"CONFIG", "GET", "maxmemory-samples"},
		{"ZSCORE", "k", "m"}, // an error stays an error
		{"ZMSCORE", "z", "m", "none", "n"},
		{"ZRANGE", "z", "0", "-1", "WITHSCORES"}, {"ZRANGE", "z", "0", "-1", "withscores"},
		{"ZRANGE", "z", "0", "-1"}, {"ZRANGE", "noz", "0", "-1", "WITHSCORES"},
		{"ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES"},
		{"ZUNION", "1", "z", "WITHSCORES"}, {"ZRANDMEMBER", "z1", "-2", "WITHSCORES"},
		{"ZPOPMIN", "noz", "1"}, {"ZPOPMAX", "noz"},
		{"HRANDFIELD", "h1", "-3", "WITHVALUES"}, {"HRANDFIELD", "h1", "-2"}, {"HRANDFIELD", "h1", "-2", "withvalues"},
		{"ZADD", "z", "INCR", "0", "m"}, {"ZADD", "z", "XX", "INCR", "0", "n"},
		{"ZPOPMIN", "zp"}, {"ZPOPMAX", "zp"},
	} {
		if cmd[0] == "ZPOPMIN" || cmd[0] == "ZPOPMAX" {
			c3.do(t, "ZADD", "zp", "2.5", "a") // each side pops the same member
		}
		want := c3.do(t, cmd...)
		if cmd[0] == "ZPOPMIN" || cmd[0] == "ZPOPMAX" {
			c3.do(t, "ZADD", "zp", "2.5", "a")
		}
		two, err := c2.Do(cmd...)
		if err != nil {
			t.Fatal(err)
		}
		args := make([][]byte, len(cmd))
		for i := range cmd {
			args[i] = []byte(cmd[i])
		}
		got, err := session.AppendRESP3(nil, two.Raw, session.ShapeFor(resp.LookupArgs(args), args))
		if err != nil || string(got) != want {
			t.Fatalf("%v: got %q %v; want %q (RESP2 %q)", cmd, got, err, want, two.Raw)
		}
	}
}

// TestShapeForZAddMemberIncr: a member named "incr" is not the INCR
// option.
func TestShapeForZAddMemberIncr(t *testing.T) {
	args := [][]byte{[]byte("ZADD"), []byte("z"), []byte("0"), []byte("incr")}
	if sh := session.ShapeFor(resp.LookupArgs(args), args); sh != session.ShapeAsIs {
		t.Fatalf("ZADD z 0 incr: shape %d; want ShapeAsIs", sh)
	}
}

func FuzzAppendRESP3(f *testing.F) {
	f.Add([]byte("*2\r\n$1\r\na\r\n$-1\r\n"), uint8(1))
	f.Add([]byte("$3\r\n1.5\r\n"), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, sh uint8) {
		out, err := session.AppendRESP3(nil, b, session.Shape(sh%8))
		if err != nil && len(out) != 0 {
			t.Fatalf("output %q with error %v", out, err)
		}
	})
}

// raw3 reads whole replies of any RESP3 type.
type raw3 struct{ c net.Conn }

func dialRESP3(t *testing.T, addr string) *raw3 {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &raw3{c}
}

func (r *raw3) do(t *testing.T, args ...string) string {
	t.Helper()
	bs := make([][]byte, len(args))
	for i := range args {
		bs[i] = []byte(args[i])
	}
	_ = r.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.c.Write(resp.AppendCommand(nil, bs...)); err != nil {
		t.Fatal(err)
	}
	var sc resp.ReplyScanner
	var buf []byte
	chunk := make([]byte, 4096)
	for i := 0; i < 1000; i++ {
		k, err := r.c.Read(chunk)
		if err != nil {
			t.Fatal(err)
		}
		buf = append(buf, chunk[:k]...)
		n, err := sc.Scan(buf)
		if err == nil {
			return string(buf[:n])
		}
		if !errors.Is(err, resp.ErrIncomplete) {
			t.Fatal(err)
		}
	}
	t.Fatal("no whole reply")
	return ""
}
