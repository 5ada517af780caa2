package engine

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// raw3 is a client that reads whole replies of any RESP3 type, as bytes.
type raw3 struct {
	c   net.Conn
	buf []byte
	sc  resp.ReplyScanner
}

func dial3(t testing.TB, addr string) *raw3 {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &raw3{c: c}
	if got := r.do(t, "HELLO", "3"); len(got) == 0 || got[0] != '%' {
		t.Fatalf("HELLO 3: got %q; want a map", got)
	}
	return r
}

// do sends args and returns the exact bytes of the one reply.
func (r *raw3) do(t testing.TB, args ...string) string {
	t.Helper()
	r.send(t, args...)
	return r.next(t)
}

// send writes the request args.
func (r *raw3) send(t testing.TB, args ...string) {
	t.Helper()
	bs := make([][]byte, len(args))
	for i := range args {
		bs[i] = []byte(args[i])
	}
	_ = r.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.c.Write(resp.AppendCommand(nil, bs...)); err != nil {
		t.Fatal(err)
	}
}

// next returns the exact bytes of the next whole frame.
func (r *raw3) next(t testing.TB) string {
	t.Helper()
	_ = r.c.SetDeadline(time.Now().Add(10 * time.Second))
	chunk := make([]byte, 4096)
	for i := 0; i < 10000; i++ {
		if len(r.buf) > 0 {
			n, err := r.sc.Scan(r.buf)
			if err == nil {
				out := string(r.buf[:n])
				r.buf = r.buf[n:]
				return out
			}
			if !errors.Is(err, resp.ErrIncomplete) {
				t.Fatalf("%v in %q", err, r.buf)
			}
		}
		k, err := r.c.Read(chunk)
		if err != nil {
			t.Fatal(err)
		}
		r.buf = append(r.buf, chunk[:k]...)
	}
	t.Fatal("no whole frame")
	return ""
}

// resp3Cmds are read in both protocols and compared.
var resp3Cmds = [][]string{
	{"HGETALL", "r3:h"}, {"HGETALL", "r3:nohash"},
	{"SMEMBERS", "r3:s"}, {"SMEMBERS", "r3:noset"},
	{"ZSCORE", "r3:z", "m"}, {"ZSCORE", "r3:z", "none"}, {"ZMSCORE", "r3:z", "m", "none"},
	{"ZRANGE", "r3:z", "0", "-1", "WITHSCORES"}, {"ZRANGE", "r3:z", "0", "-1"},
	{"GET", "r3:missing"}, {"GET", "r3:k"}, {"MGET", "r3:k", "r3:missing"},
	{"HGET", "r3:h", "nofield"}, {"CONFIG", "GET", "maxmemory-samples"},
	{"ZSCORE", "r3:k", "m"},
}

// TestRESP3Replies: a client that said HELLO 3 gets, through the node,
// byte for byte what redis-server answers a RESP3 client directly.
func TestRESP3Replies(t *testing.T) {
	n, r := proxy(t, nil)
	c2 := dial(t, n)
	for _, cmd := range [][]string{
		{"HSET", "r3:h", "f1", "v1", "f2", "v2"}, {"SADD", "r3:s", "a", "b", "c"},
		{"ZADD", "r3:z", "1.5", "m", "3", "n"}, {"SET", "r3:k", "v"},
	} {
		do(t, c2, cmd...)
	}
	via, direct := dial3(t, n.ClientAddr().String()), dial3(t, r.Addr)
	for _, cmd := range resp3Cmds {
		if got, want := via.do(t, cmd...), direct.do(t, cmd...); got != want {
			t.Fatalf("%v through the node: got %q; want %q", cmd, got, want)
		}
	}
	// A RESP2 client of the same node still gets RESP2.
	expect(t, c2, "*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n", "HGETALL", "r3:h")
	expect(t, c2, "$-1\r\n", "GET", "r3:missing")
}

// TestRESP3ClusterQuorum: a read at DC_QUORUM in three racks, answered
// by the local datastore and peers, reaches a RESP3 client as the map
// redis-server gives it.
func TestRESP3ClusterQuorum(t *testing.T) {
	tc := startTestCluster(t, threeRackMembers(), nil)
	q := tc.client(0)
	expect(t, q, "+OK\r\n", "dyno_config:conn_consistency", "DC_QUORUM")
	expect(t, q, ":2\r\n", "HSET", "r3:h", "f1", "v1", "f2", "v2")
	via := dial3(t, tc.nodes[1].ClientAddr().String())
	if got := via.do(t, "dyno_config:conn_consistency", "DC_QUORUM"); got != "+OK\r\n" {
		t.Fatalf("conn_consistency: got %q", got)
	}
	direct := dial3(t, tc.redis[1].Addr)
	for _, cmd := range [][]string{{"HGETALL", "r3:h"}, {"GET", "r3:missing"}, {"HGETALL", "r3:nohash"}} {
		want := direct.do(t, cmd...)
		if cmd[1] == "r3:h" && want[0] != '%' {
			t.Fatalf("redis-server answered HGETALL with %q", want)
		}
		if got := via.do(t, cmd...); got != want {
			t.Fatalf("%v at DC_QUORUM: got %q; want %q", cmd, got, want)
		}
	}
}

// resp3Native are replies whose RESP3 shape the node cannot make by
// converting RESP2 (scripts, and shapes Redis builds per command option):
// they need the node's RESP3 datastore connection.
var resp3Native = [][]string{
	{"EVAL", "return {double=3.25}", "0"},
	{"EVAL", "return {big_number='1234567999999999999999999999999999999'}", "0"},
	{"EVAL", "return {map={a=1}}", "0"},
	{"EVAL", "return {set={a=true}}", "0"},
	{"EVAL", "return {double=0}", "0"},
	{"EVAL", "redis.setresp(3); return redis.call('HGETALL', KEYS[1])", "1", "r3n:h"},
	{"ZADD", "r3n:z", "INCR", "2", "m"},
	{"ZPOPMIN", "r3n:z"},
	{"HRANDFIELD", "r3n:h", "-3", "WITHVALUES"},
}

// TestRESP3NativeReplies: once the node's RESP3 datastore connection is
// up, a RESP3 client on a single node gets Redis's own RESP3 replies,
// byte for byte what redis-server answers it directly, scripts included.
func TestRESP3NativeReplies(t *testing.T) {
	n, _ := proxy(t, nil)
	ref := enginetest.Redis(t)
	via, direct := dial3(t, n.ClientAddr().String()), dial3(t, ref.Addr)
	probe := []string{"EVAL", "return {double=1.5}", "0"}
	want := direct.do(t, probe...)
	deadline := time.Now().Add(5 * time.Second)
	for got := via.do(t, probe...); got != want; got = via.do(t, probe...) {
		if time.Now().After(deadline) {
			t.Fatalf("the RESP3 datastore connection never answered: got %q; want %q", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range [][]string{{"HSET", "r3n:h", "f", "v"}} {
		via.do(t, c...)
		direct.do(t, c...)
	}
	for _, cmd := range resp3Native {
		if got, want := via.do(t, cmd...), direct.do(t, cmd...); got != want {
			t.Errorf("%v through the node: got %q; want %q", cmd, got, want)
		}
	}
	// A RESP2 client of the same node still gets RESP2 from the same script.
	c2 := dial(t, n)
	expect(t, c2, "$4\r\n3.25\r\n", "EVAL", "return {double=3.25}", "0")
}

// TestRESP3DatastoreWithoutHello: a datastore that refuses HELLO (renamed
// away here, as on a Redis before 6) stops the RESP3 connection after
// one try; RESP3 clients keep getting converted replies, none fails.
func TestRESP3DatastoreWithoutHello(t *testing.T) {
	r := enginetest.RedisWith(t, enginetest.RedisOptions{Args: []string{"--rename-command", "HELLO", ""}})
	n := startNode(t, testConfig(r.Addr))
	via := dial3(t, n.ClientAddr().String())
	for i := 0; i < 50; i++ {
		if got := via.do(t, "HGETALL", "nohash"); got != "%0\r\n" {
			t.Fatalf("HGETALL %d: got %q; want an empty map", i, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if lk := n.links3[0]; lk.Cur.Load() != nil {
		t.Fatal("a RESP3 datastore connection is up although the datastore refuses HELLO")
	}
}
