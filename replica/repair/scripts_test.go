package repair

import (
	"bufio"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// The scripts run on a real redis-server. replica may not import
// engine/enginetest (the dependency direction), so this file starts one
// itself, on a Unix socket in the test's directory: no port to race for.

type redisConn struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
	sc resp.ReplyScanner
}

func startRedis(t *testing.T) *redisConn {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("cannot find redis-server: %v", err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(path, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no", "--logfile", "")
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot start redis-server: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	var nc net.Conn
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if nc, err = net.Dial("unix", sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start: %v", err)
		}
	}
	t.Cleanup(func() { nc.Close() })
	return &redisConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// do sends one request and returns its raw reply.
func (c *redisConn) do(req []byte) string {
	c.t.Helper()
	c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write(req); err != nil {
		c.t.Fatalf("cannot send: %v", err)
	}
	var buf []byte
	for {
		b, err := c.r.ReadByte()
		if err != nil {
			c.t.Fatalf("cannot read a reply: %v", err)
		}
		buf = append(buf, b)
		n, err := c.sc.Scan(buf)
		if err == nil {
			return string(buf[:n])
		}
		if !errors.Is(err, resp.ErrIncomplete) {
			c.t.Fatalf("cannot read a reply: %v", err)
		}
	}
}

func (c *redisConn) cmd(s string) string {
	return c.do(resp.AppendCommand(nil, args(s)...))
}

// eval runs the command s rewritten at timestamp ts with its script.
func (c *redisConn) eval(s string, ts uint64) string {
	c.t.Helper()
	a := args(s)
	req, ok := AppendEval(nil, Script(KindOf(a[0])), a, ts)
	if !ok {
		c.t.Fatalf("unexpected refusal to rewrite %q", s)
	}
	return c.do(req)
}

func (c *redisConn) read(s string, ts uint64) Reply {
	c.t.Helper()
	r, err := ParseReply([]byte(c.eval(s, ts)))
	if err != nil {
		c.t.Fatalf("cannot parse the reply to %q: %v", s, err)
	}
	return r
}

func (c *redisConn) cleanup(s string, ts uint64) string {
	c.t.Helper()
	req, ok := AppendCleanup(nil, CleanupScript(), args(s), ts)
	if !ok {
		c.t.Fatalf("unexpected refusal of a cleanup of %q", s)
	}
	return c.do(req)
}

// metadata returns the metadata keys present, sorted by redis's SORT.
func (c *redisConn) metadata() string {
	return c.cmd("KEYS ._*")
}

func expect(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("unexpected %s; got %q; want %q", what, got, want)
	}
}

func expectRead(t *testing.T, what string, r Reply, status byte, ts uint64, value string) {
	t.Helper()
	if r.Status != status || r.TS != ts || string(r.Value) != value {
		t.Fatalf("unexpected %s; got %c %d %q; want %c %d %q", what, r.Status, r.TS, r.Value, status, ts, value)
	}
}

func TestScriptsStrings(t *testing.T) {
	c := startRedis(t)
	expectRead(t, "read of a missing key", c.read("GET k", 1), 'X', 0, "$-1\r\n")
	expect(t, "timestamped SET", c.eval("SET k v1", 1700000000100), "+OK\r\n")
	expectRead(t, "read", c.read("GET k", 1), 'E', 1700000000100, "$2\r\nv1\r\n")
	expect(t, "older SET", c.eval("SET k old", 1700000000050), ":-1\r\n")
	expect(t, "value after an older SET", c.cmd("GET k"), "$2\r\nv1\r\n")
	expect(t, "newer SET", c.eval("SET k v2", 1700000000200), "+OK\r\n")
	expectRead(t, "read", c.read("GET k", 1), 'E', 1700000000200, "$2\r\nv2\r\n")

	// A key without metadata reads as X, whatever its value.
	c.cmd("SET plain p")
	expectRead(t, "read of a key written without metadata", c.read("GET plain", 1), 'X', 0, "$1\r\np\r\n")

	expect(t, "older DEL", c.eval("DEL k", 1700000000150), ":0\r\n")
	expect(t, "DEL", c.eval("DEL k", 1700000000300), ":1\r\n")
	expectRead(t, "read after DEL", c.read("GET k", 1), 'R', 1700000000300, "$-1\r\n")
	expect(t, "SET older than the tombstone", c.eval("SET k v0", 1700000000250), ":-1\r\n")
	expect(t, "value after the refused SET", c.cmd("EXISTS k"), ":0\r\n")
	expect(t, "cleanup older than the tombstone", c.cleanup("DEL k", 1700000000299), ":0\r\n")
	expect(t, "cleanup", c.cleanup("DEL k", 1700000000300), ":1\r\n")
	expect(t, "metadata after cleanup", c.metadata(), "*0\r\n")
	expectRead(t, "read after cleanup", c.read("GET k", 1), 'X', 0, "$-1\r\n")
}

func TestScriptsHash(t *testing.T) {
	c := startRedis(t)
	expect(t, "HSET", c.eval("HSET h f1 a", 10), ":1\r\n")
	expect(t, "HMSET", c.eval("HMSET h f1 b f2 c", 20), "+OK\r\n")
	expect(t, "older HSET", c.eval("HSET h f2 old", 15), ":0\r\n")
	expect(t, "hash", c.cmd("HGETALL h"), "*4\r\n$2\r\nf1\r\n$1\r\nb\r\n$2\r\nf2\r\n$1\r\nc\r\n")
	expectRead(t, "HGET", c.read("HGET h f2", 1), 'E', 20, "$1\r\nc\r\n")
	expectRead(t, "HGET of a missing field", c.read("HGET h nope", 1), 'X', 0, "$-1\r\n")
	expect(t, "older HDEL", c.eval("HDEL h f1", 19), ":0\r\n")
	expect(t, "HDEL", c.eval("HDEL h f1 f2", 30), ":2\r\n")
	expectRead(t, "HGET after HDEL", c.read("HGET h f1", 1), 'R', 30, "$-1\r\n")
	expect(t, "HSET older than the field tombstone", c.eval("HSET h f1 z", 25), ":0\r\n")
	expect(t, "cleanup f1", c.cleanup("HDEL h f1", 30), ":1\r\n")
	expect(t, "metadata after a partial cleanup", c.metadata(), "*1\r\n$11\r\n._rem-set_h\r\n")
	expect(t, "cleanup f2", c.cleanup("HDEL h f2", 30), ":1\r\n")
	expect(t, "metadata after cleanup", c.metadata(), "*0\r\n")
}

func TestScriptsSetAndSortedSet(t *testing.T) {
	c := startRedis(t)
	expect(t, "SADD", c.eval("SADD s a b", 10), ":2\r\n")
	expectRead(t, "SISMEMBER", c.read("SISMEMBER s a", 1), 'E', 10, ":1\r\n")
	expect(t, "SREM", c.eval("SREM s a", 20), ":1\r\n")
	expectRead(t, "SISMEMBER after SREM", c.read("SISMEMBER s a", 1), 'R', 20, ":0\r\n")
	expect(t, "older SADD", c.eval("SADD s a", 15), ":0\r\n")
	expect(t, "newer SADD", c.eval("SADD s a", 25), ":1\r\n")

	expect(t, "ZADD", c.eval("ZADD z 1 a 2 b", 10), ":2\r\n")
	expectRead(t, "ZSCORE", c.read("ZSCORE z a", 1), 'E', 10, "$1\r\n1\r\n")
	expect(t, "older ZADD", c.eval("ZADD z XX 9 a", 5), ":0\r\n")
	expect(t, "ZADD CH", c.eval("ZADD z XX CH 9 a", 12), ":1\r\n")
	expect(t, "ZADD NX INCR on a member present", c.eval("ZADD z NX INCR 1 a", 13), "$-1\r\n")
	expect(t, "ZADD INCR", c.eval("ZADD z INCR 1 b", 14), "$1\r\n3\r\n")
	expect(t, "scores", c.cmd("ZRANGE z 0 -1 WITHSCORES"), "*4\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\na\r\n$1\r\n9\r\n")
	expect(t, "ZREM", c.eval("ZREM z a b", 20), ":2\r\n")
	expectRead(t, "ZSCORE after ZREM", c.read("ZSCORE z b", 1), 'R', 20, "$-1\r\n")
	expect(t, "DEL of the whole set", c.eval("DEL s", 30), ":1\r\n")
	expectRead(t, "SISMEMBER after DEL", c.read("SISMEMBER s b", 1), 'R', 30, ":0\r\n")
	c.cleanup("DEL s", 30)
	c.cleanup("ZREM z a", 20)
	c.cleanup("ZREM z b", 20)
	expect(t, "metadata after cleanup", c.metadata(), "*0\r\n")
}

// TestRepairFlow runs the read-repair round: two replicas (two databases),
// one stale; the reads disagree, Decide picks the fresh one, and the repair
// write makes the stale one equal; repeated, it changes nothing.
func TestRepairFlow(t *testing.T) {
	a, b := startRedis(t), startRedis(t)
	for _, c := range []*redisConn{a, b} {
		expect(t, "SET", c.eval("SET k old", 100), "+OK\r\n")
	}
	a.eval("SET k new", 200)
	b.eval("DEL gone", 300) // a delete only b saw
	ra, rb := a.read("GET k", 1), b.read("GET k", 1)
	d := Decide([]Reply{ra, rb})
	if !d.Repair || d.Winner != 0 || !d.ByAdd || !d.Stale[1] || d.Stale[0] {
		t.Fatalf("unexpected decision %+v", d)
	}
	w := RepairArgs(args("GET k"), ra, d.ByAdd)
	req, _ := AppendEval(nil, Script(KindOf(w[0])), w, ra.TS)
	expect(t, "repair write", b.do(req), "+OK\r\n")
	expect(t, "repeated repair write", b.do(req), "+OK\r\n")
	expectRead(t, "repaired read", b.read("GET k", 1), 'E', 200, "$3\r\nnew\r\n")

	// The delete wins over the older value: a repair by DEL.
	a.eval("SET gone x", 250)
	ra, rb = a.read("GET gone", 1), b.read("GET gone", 1)
	d = Decide([]Reply{ra, rb})
	if !d.Repair || d.Winner != 1 || d.ByAdd || !d.Stale[0] {
		t.Fatalf("unexpected decision %+v", d)
	}
	w = RepairArgs(args("GET gone"), rb, d.ByAdd)
	req, _ = AppendEval(nil, Script(KindOf(w[0])), w, rb.TS)
	expect(t, "repair delete", a.do(req), ":1\r\n")
	expectRead(t, "repaired read", a.read("GET gone", 1), 'R', 300, "$-1\r\n")
}
