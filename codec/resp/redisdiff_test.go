package resp

import (
	"bytes"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp/internal/cmdgen"
)

// Differential tests against a real redis-server 7.0: the same bytes go to
// the server and to the Parser, and the replies Redis sends must equal the
// replies this package predicts (PING and ECHO answers, Validate's errors,
// ProtocolError.Reply).

// redisServer returns the path of redis-server 7.0; the tests need it (make test
// installs it), so its absence is a failure.
func redisServer(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is needed (make test installs it): %v", err)
	}
	if out, err := exec.Command(bin, "--version").Output(); err != nil || !strings.Contains(string(out), "v=7.0.") {
		t.Fatalf("redis-server 7.0 is needed, the command table comes from it: %s", out)
	}
	return bin
}

func startRedis(t *testing.T, extra ...string) string {
	t.Helper()
	stop, addr, err := cmdgen.StartServer(redisServer(t), extra...)
	if err != nil {
		t.Fatalf("cannot start redis-server: %v", err)
	}
	t.Cleanup(stop)
	return addr
}

// askRedis sends input on a fresh connection, half-closes it and returns
// everything Redis answered before closing.
func askRedis(t *testing.T, addr string, input []byte) []byte {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("cannot dial redis: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(input); err != nil {
		t.Fatalf("cannot write: %v", err)
	}
	c.(*net.TCPConn).CloseWrite()
	out, err := io.ReadAll(c)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("cannot read: %v", err)
	}
	return out
}

// predict returns what Redis answers to input made of PING and ECHO
// requests, or ok false when input holds another command.
func predict(input []byte) (out []byte, ok bool) {
	p := Parser{Limits: Limits{MaxArgs: math.MaxInt32}} // Redis 7 accepts any int count
	var r Request
	for len(input) > 0 {
		n, err := p.Parse(input, &r)
		if err == ErrIncomplete {
			return out, true
		}
		if pe, isPE := err.(*ProtocolError); isPE {
			return append(out, pe.Reply()...), true
		}
		input = input[n:]
		var valid bool
		if out, valid = r.Validate(out); !valid {
			continue
		}
		switch r.Cmd.Name {
		case "ping":
			switch len(r.Args) {
			case 1:
				out = append(out, ReplyPong...)
			case 2:
				out = AppendBulk(out, r.Args[1])
			default: // PING checks its own argument count
				out = r.Cmd.AppendArityError(out)
			}
		case "echo":
			out = AppendBulk(out, r.Args[1])
		default:
			return nil, false
		}
	}
	return out, true
}

func TestRedisInlineQuotes(t *testing.T) {
	addr := startRedis(t)
	rng := rand.New(rand.NewPCG(testSeed(t), 2))
	alphabet := []byte("ab x4f\"'\\\t\v\r")
	for i := 0; i < 400; i++ {
		line := make([]byte, 1+rng.IntN(12))
		for j := range line {
			line[j] = alphabet[rng.IntN(len(alphabet))]
		}
		input := append(append([]byte("ECHO "), line...), '\r', '\n')
		want, ok := predict(input)
		if !ok {
			continue
		}
		if got := askRedis(t, addr, input); !bytes.Equal(got, want) {
			t.Fatalf("input %q: redis answered %q; predicted %q", input, got, want)
		}
	}
}

func TestRedisMutatedFrames(t *testing.T) {
	addr := startRedis(t)
	rng := rand.New(rand.NewPCG(testSeed(t), 3))
	frames := [][]byte{
		[]byte("*1\r\n$4\r\nPING\r\n"),
		[]byte("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n"),
		[]byte("*2\r\n$4\r\nping\r\n$2\r\nhi\r\n"),
		[]byte("PING\r\n"),
		[]byte("\r\n"),
	}
	// Mutations use bytes that make frames interesting, never NUL (Redis
	// scans its buffer as a C string; see the package doc).
	mut := []byte("*$\r\n-0123456789 aPx'\"")
	for i := 0; i < 400; i++ {
		var input []byte
		for k := 1 + rng.IntN(4); k > 0; k-- {
			input = append(input, frames[rng.IntN(len(frames))]...)
		}
		for k := 1 + rng.IntN(3); k > 0; k-- {
			at := rng.IntN(len(input))
			switch rng.IntN(3) {
			case 0:
				input[at] = mut[rng.IntN(len(mut))]
			case 1:
				input = append(input[:at], input[at+1:]...)
			default:
				input = append(input[:at], append([]byte{mut[rng.IntN(len(mut))]}, input[at:]...)...)
			}
			if len(input) == 0 {
				input = []byte("PING\r\n")
			}
		}
		want, ok := predict(input)
		if !ok {
			continue
		}
		if got := askRedis(t, addr, input); !bytes.Equal(got, want) {
			t.Fatalf("input %q: redis answered %q; predicted %q", input, got, want)
		}
	}
}

// TestRedisGetKeys compares Command.Keys with COMMAND GETKEYS.
func TestRedisGetKeys(t *testing.T) {
	addr := startRedis(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cmds := []string{
		"get k", "set k v ex 10", "mget a b c", "mset a 1 b 2", "del a b", "exists a",
		"touch a b", "unlink a b c", "rename a b", "blpop a b 0", "eval s 2 k1 k2 a1",
		"evalsha s 1 k1", "eval_ro s 1 k1 a", "fcall f 2 k1 k2 x", "fcall_ro f 1 k1",
		"zunionstore d 2 a b weights 1 2", "zinterstore d 1 a", "zdiff 2 a b withscores",
		"zdiffstore d 2 a b", "zunion 3 a b c", "zinter 2 a b", "zintercard 2 a b",
		"sintercard 2 a b limit 1", "lmpop 2 a b left count 1", "blmpop 0 2 a b left",
		"zmpop 1 a min", "bzmpop 0 2 a b max", "xread count 1 streams a b 0 0",
		"XREAD STREAMS a 0", "xreadgroup group g c count 1 streams s1 s2 > >",
		"migrate h 6379 k 0 100", "migrate h 6379 \"\" 0 100 copy keys a b",
		"migrate h 6379 \"\" 0 100 auth pw keys a", "migrate h 6379 \"\" 0 100 auth2 u pw keys a b",
		"sort k", "sort k by w_* limit 0 10 get o_* store dst", "sort k store a store b", "sort_ro k by w_*",
		"georadius k 0 0 1 km store dst", "georadius k 0 0 1 km storedist dst",
		"georadiusbymember k m 1 km store dst", "geosearchstore d s frommember m byradius 1 km",
		"object encoding k", "memory usage k", "xinfo stream s", "bitop and d a b",
		"lmove a b left right", "smove a b m", "pfmerge d a b", "pfcount a b", "watch a b",
		"msetnx a 1 b 2", "sdiffstore d a b", "brpoplpush a b 0", "copy a b", "lcs a b",
		"xautoclaim s g c 0 0", "xclaim s g c 0 id", "getex k persist", "restore k 0 v",
		"setrange k 0 v", "bitfield k get u8 0", "hset h f v", "zadd z 1 m",
	}
	r := bufioReader{c: c}
	for _, cmd := range cmds {
		args := argsOf(strings.Fields(cmd)...)
		for i, a := range args {
			if string(a) == `""` {
				args[i] = []byte{}
			}
		}
		cc := LookupArgs(args)
		if cc == nil {
			t.Fatalf("no command for %q", cmd)
		}
		var want []string
		for _, i := range cc.Keys(args, nil) {
			want = append(want, string(args[i]))
		}
		req := AppendCommand(nil, append(argsOf("COMMAND", "GETKEYS"), args...)...)
		if _, err := c.Write(req); err != nil {
			t.Fatal(err)
		}
		reply := r.reply(t)
		var got []string
		var a ArrayReader
		if a.Reset(reply) == nil {
			for {
				e, err := a.Next()
				if err != nil {
					break
				}
				got = append(got, string(e[bytes.IndexByte(e, '\n')+1:len(e)-2]))
			}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%q: COMMAND GETKEYS says %q (%q); Keys says %q", cmd, got, reply, want)
		}
	}
}

// bufioReader reads whole replies from a connection with a ReplyScanner.
type bufioReader struct {
	c   net.Conn
	buf []byte
	sc  ReplyScanner
}

func (r *bufioReader) reply(t *testing.T) []byte {
	t.Helper()
	r.c.SetDeadline(time.Now().Add(5 * time.Second))
	for {
		n, err := r.sc.Scan(r.buf)
		if err == nil {
			out := r.buf[:n]
			r.buf = r.buf[n:]
			return out
		}
		if err != ErrIncomplete {
			t.Fatalf("bad reply %q: %v", r.buf, err)
		}
		tmp := make([]byte, 4096)
		m, err := r.c.Read(tmp)
		if err != nil {
			t.Fatalf("cannot read: %v", err)
		}
		r.buf = append(r.buf, tmp[:m]...)
	}
}
