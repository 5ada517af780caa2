package resp

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// Replies captured from a real redis-server 7.0 and fed to the scanner:
// the deepest nesting Redis produces (Lua tables), huge aggregates, and
// every RESP3 type.

// captureReplies sends the requests and then ECHO of a marker on c, and
// returns every byte Redis answered up to and including the marker's
// reply.
func captureReplies(t *testing.T, c net.Conn, reqs ...[]string) []byte {
	t.Helper()
	marker := fmt.Sprintf("end-%d", time.Now().UnixNano())
	var out []byte
	for _, r := range append(reqs, []string{"ECHO", marker}) {
		out = AppendCommand(out, argsOf(r...)...)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(out); err != nil {
		t.Fatalf("cannot write to redis: %v", err)
	}
	end := []byte(fmt.Sprintf("$%d\r\n%s\r\n", len(marker), marker))
	var got []byte
	buf := make([]byte, 64<<10)
	for !bytes.HasSuffix(got, end) {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("cannot read from redis after %d bytes: %v", len(got), err)
		}
		got = append(got, buf[:n]...)
	}
	return got
}

func dialRedis(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("cannot dial redis: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// splitReplies scans raw in every feeding mode and returns the replies;
// all modes must agree.
func splitReplies(t *testing.T, raw []byte) [][]byte {
	t.Helper()
	var want []string
	for i, sp := range splitters(testSeed(t)) {
		var s ReplyScanner
		got, left, err := scanOrSkip(&s, raw, sp)
		if err != nil || left != 0 {
			t.Fatalf("%s: cannot scan redis's replies: %v, %d bytes left", sp.name, err, left)
		}
		if i == 0 {
			want = got
		} else if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("%s: replies differ from whole feeding; got %v; want %v", sp.name, got, want)
		}
	}
	var out [][]byte
	for _, w := range want {
		var n int
		if _, err := fmt.Sscan(w, &n); err != nil {
			t.Fatalf("unexpected skipped reply %s", w)
		}
		out = append(out, raw[:n])
		raw = raw[n:]
	}
	return out
}

func TestRedisDeepReplies(t *testing.T) {
	c := dialRedis(t, startRedis(t))
	raw := captureReplies(t, c,
		// Redis's test "Script return recursive object".
		[]string{"EVAL", "local a = {}; local b = {a}; a[1] = b; return a", "0"},
		[]string{"EVAL", "local a = {}; a[1] = a; a[2] = 1; return a", "0"},
		[]string{"EVAL", "local t = 1; for i = 1, 5000 do t = {t, i} end; return t", "0"},
		[]string{"EVAL", "for i = 1, 200000 do redis.call('rpush', KEYS[1], i) end; return 1", "1", "{l}"},
		[]string{"LRANGE", "{l}", "0", "-1"},
		[]string{"PING"},
	)
	replies := splitReplies(t, raw)
	if len(replies) != 7 {
		t.Fatalf("unexpected reply count; got %d; want 7", len(replies))
	}
	for i, r := range replies[:3] {
		levels := bytes.Count(r, []byte("*"))
		if levels <= 4000 {
			t.Fatalf("reply %d nests only %d levels; want the Lua stack's limit", i, levels)
		}
	}
	if !bytes.HasSuffix(replies[0], []byte("-ERR reached lua stack limit\r\n")) {
		t.Fatalf("unexpected end of the recursive reply: %q", replies[0][len(replies[0])-40:])
	}
	if !bytes.HasPrefix(replies[4], []byte("*200000\r\n")) || string(replies[5]) != "+PONG\r\n" {
		t.Fatalf("unexpected replies after the deep ones: %.20q %q", replies[4], replies[5])
	}
}

// TestRedisRESP3Replies: every reply type Redis sends, in both protocols,
// scans as one reply of the expected type.
func TestRedisRESP3Replies(t *testing.T) {
	addr := startRedis(t, "--enable-debug-command", "yes")
	reqs := [][]string{
		{"HSET", "h", "f", "v"}, {"SADD", "s", "m"}, {"ZADD", "z", "1.5", "m"},
		{"HGETALL", "h"}, {"SMEMBERS", "s"}, {"ZSCORE", "z", "m"}, {"GET", "missing"},
	}
	for _, p := range []string{"string", "integer", "double", "bignum", "null", "array", "set",
		"map", "attrib", "push", "verbatim", "true", "false"} {
		reqs = append(reqs, []string{"DEBUG", "PROTOCOL", p})
	}
	f := func(proto, want string) {
		t.Helper()
		c := dialRedis(t, addr)
		raw := captureReplies(t, c, append([][]string{{"HELLO", proto}}, reqs...)...)
		var got []byte
		for _, r := range splitReplies(t, raw) {
			got = append(got, r[0])
		}
		if string(got) != want {
			t.Fatalf("RESP%s: unexpected reply types; got %s; want %s", proto, got, want)
		}
	}
	// HELLO, 3 writes, HGETALL SMEMBERS ZSCORE GET, 13 DEBUG PROTOCOL
	// (RESP3's push is followed by a plain reply; RESP2 refuses push), ECHO.
	f("2", "*:::**$$"+"$:$$$***$-$::"+"$")
	f("3", "%:::%~,_"+"$:,(_*~%|>$=##"+"$")
}

// TestRedisReplyTooLarge: a reply over the scanner's limits is skipped
// exactly and the replies after it still scan.
func TestRedisReplyTooLarge(t *testing.T) {
	c := dialRedis(t, startRedis(t))
	big := strings.Repeat("v", 100000)
	raw := captureReplies(t, c,
		[]string{"SET", "k", big}, []string{"GET", "k"}, []string{"PING"},
		[]string{"EVAL", "return {1, {ARGV[1], 2}, 3}", "0", big},
		[]string{"EVAL", "return {ok = ARGV[1]}", "0", big},
	)
	bulk := len(fmt.Sprintf("$%d\r\n%s\r\n", len(big), big))
	marker := len(raw) - bytes.LastIndex(raw, []byte("\r\n$"))
	want := []string{"5", fmt.Sprint("skip:", bulk), "7",
		fmt.Sprint("skip:", 4+4+4+bulk+4+4), fmt.Sprint("skip:", len(big)+3), fmt.Sprint(marker - 2)}
	for _, sp := range splitters(testSeed(t)) {
		s := ReplyScanner{Limits: Limits{MaxBulk: 1000}}
		got, left, err := scanOrSkip(&s, raw, sp)
		if err != nil || left != 0 || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("%s: unexpected scan; got %v, %v, left %d; want %v", sp.name, got, err, left, want)
		}
	}
}

// redisConn sends one request at a time and reads its whole reply.
type redisConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func newRedisConn(t *testing.T, addr string) *redisConn {
	c := dialRedis(t, addr)
	return &redisConn{t: t, c: c, r: bufio.NewReader(c)}
}

// ask sends args and returns the reply's bytes.
func (rc *redisConn) ask(args [][]byte) string {
	t := rc.t
	t.Helper()
	rc.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := rc.c.Write(AppendCommand(nil, args...)); err != nil {
		t.Fatalf("cannot write: %v", err)
	}
	var s ReplyScanner
	var buf []byte
	for {
		b, err := rc.r.ReadByte()
		if err != nil {
			t.Fatalf("cannot read the reply to %q: %v", args, err)
		}
		buf = append(buf, b)
		if n, err := s.Scan(buf); err == nil && n == len(buf) {
			return string(buf)
		} else if err != ErrIncomplete {
			t.Fatalf("cannot scan the reply to %q: %v", args, err)
		}
	}
}
