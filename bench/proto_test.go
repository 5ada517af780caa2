package bench

import (
	"testing"
)

// checkScan scans reply (followed by another one) whole, then byte by byte
// with one scanner: every prefix is incomplete, never an error, and the last
// byte completes it with the same kind.
func checkScan(t *testing.T, newScanner func() scanner, op opKind, reply, next string, kind replyKind) {
	t.Helper()
	n, k, err := newScanner().scan([]byte(reply+next), op)
	if err != nil || n != len(reply) || k != kind {
		t.Fatalf("unexpected scan of %q; got n=%d kind=%d err=%v; want n=%d kind=%d", reply, n, k, err, len(reply), kind)
	}
	s := newScanner()
	for i := 1; i <= len(reply); i++ {
		n, k, err := s.scan([]byte(reply[:i]), op)
		want := 0
		if i == len(reply) {
			want = len(reply)
		}
		if n != want || err != nil || (n > 0 && k != kind) {
			t.Fatalf("unexpected scan of prefix %q; got n=%d kind=%d err=%v; want n=%d", reply[:i], n, k, err, want)
		}
	}
}

func TestScanRedis(t *testing.T) {
	newScanner := func() scanner { return new(redisScanner) }
	f := func(reply string, kind replyKind) {
		t.Helper()
		checkScan(t, newScanner, opGet, reply, "+NEXT\r\n", kind)
	}
	f("+OK\r\n", replyOK)
	f("-ERR wrong\r\n", replyErr)
	f(":42\r\n", replyOK)
	f("$-1\r\n", replyMiss)
	f("_\r\n", replyMiss)
	f("$0\r\n\r\n", replyHit)
	f("$5\r\nhello\r\n", replyHit)
	f("$4\r\na\r\nb\r\n", replyHit)
	f("*-1\r\n", replyOK)
	f("*0\r\n", replyOK)
	f("*2\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n", replyOK)
	f("%1\r\n+k\r\n+v\r\n", replyOK)
	for _, bad := range []string{"?x\r\n", "$x\r\n", "$999999999999\r\n", "*a\r\n"} {
		if _, _, err := new(redisScanner).scan([]byte(bad), opGet); err == nil {
			t.Errorf("unexpected success scanning %q", bad)
		}
	}
}

func TestScanMemcache(t *testing.T) {
	newScanner := func() scanner { return new(memcacheScanner) }
	f := func(op opKind, reply string, kind replyKind) {
		t.Helper()
		checkScan(t, newScanner, op, reply, "STORED\r\n", kind)
	}
	f(opSet, "STORED\r\n", replyOK)
	f(opSet, "NOT_STORED\r\n", replyOK)
	f(opGet, "END\r\n", replyMiss)
	f(opGet, "VALUE k 0 3\r\nabc\r\nEND\r\n", replyHit)
	f(opGet, "VALUE k 0 5\r\na\r\nbc\r\nEND\r\n", replyHit)
	f(opGet, "ERROR\r\n", replyErr)
	f(opSet, "SERVER_ERROR out of memory\r\n", replyErr)
	f(opGet, "CLIENT_ERROR bad command line format\r\n", replyErr)
	for _, bad := range []string{"value\r\n", "VALUE k 0 x\r\n", "STORED\r\n"} {
		if _, _, err := new(memcacheScanner).scan([]byte(bad), opGet); err == nil {
			t.Errorf("unexpected success scanning %q as a get reply", bad)
		}
	}
}

func TestEncode(t *testing.T) {
	f := func(got []byte, want string) {
		t.Helper()
		if string(got) != want {
			t.Errorf("unexpected request; got %q; want %q", got, want)
		}
	}
	f(appendRedisSet(nil, []byte("k1"), []byte("xyz")), "*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$3\r\nxyz\r\n")
	f(appendRedisGet(nil, []byte("k1")), "*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n")
	f(appendMemcacheSet(nil, []byte("k1"), []byte("xyz")), "set k1 0 0 3\r\nxyz\r\n")
	f(appendMemcacheGet(nil, []byte("k1")), "get k1\r\n")
}
