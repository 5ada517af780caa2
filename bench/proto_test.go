package bench

import (
	"testing"
)

func TestScanRedis(t *testing.T) {
	f := func(reply string, kind replyKind) {
		t.Helper()
		buf := []byte(reply + "+NEXT\r\n")
		n, k, err := new(redisScanner).scan(buf)
		if err != nil || n != len(reply) || k != kind {
			t.Fatalf("unexpected scan of %q; got n=%d kind=%d err=%v; want n=%d kind=%d", reply, n, k, err, len(reply), kind)
		}
		// Fed one byte at a time, the same scanner reports incomplete until
		// the last byte, never an error.
		var s redisScanner
		for i := 1; i <= len(reply); i++ {
			n, k, err := s.scan([]byte(reply[:i]))
			want := 0
			if i == len(reply) {
				want = len(reply)
			}
			if n != want || err != nil || (n > 0 && k != kind) {
				t.Fatalf("unexpected scan of prefix %q; got n=%d kind=%d err=%v; want n=%d", reply[:i], n, k, err, want)
			}
		}
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
}

func TestScanRedisErrors(t *testing.T) {
	for _, bad := range []string{"?x\r\n", "$x\r\n", "$999999999999\r\n", "*a\r\n"} {
		if _, _, err := new(redisScanner).scan([]byte(bad)); err == nil {
			t.Errorf("unexpected success scanning %q", bad)
		}
	}
}

func TestScanMemcache(t *testing.T) {
	f := func(reply string, kind replyKind) {
		t.Helper()
		buf := []byte(reply + "STORED\r\n")
		n, k, err := scanMemcache(buf)
		if err != nil || n != len(reply) || k != kind {
			t.Fatalf("unexpected scan of %q; got n=%d kind=%d err=%v; want n=%d kind=%d", reply, n, k, err, len(reply), kind)
		}
		for i := 0; i < len(reply); i++ {
			if n, _, err := scanMemcache([]byte(reply[:i])); n != 0 || err != nil {
				t.Fatalf("unexpected scan of prefix %q; got n=%d err=%v; want incomplete", reply[:i], n, err)
			}
		}
	}
	f("STORED\r\n", replyOK)
	f("NOT_STORED\r\n", replyOK)
	f("END\r\n", replyMiss)
	f("VALUE k 0 3\r\nabc\r\nEND\r\n", replyHit)
	f("VALUE k 0 5 77\r\na\r\nbc\r\nEND\r\n", replyHit)
	f("VALUE a 0 1\r\nx\r\nVALUE b 0 1\r\ny\r\nEND\r\n", replyHit)
	f("ERROR\r\n", replyErr)
	f("SERVER_ERROR out of memory\r\n", replyErr)
	f("CLIENT_ERROR bad data chunk\r\n", replyErr)
	for _, bad := range []string{"value\r\n", "VALUE k 0 x\r\n", "VALUE k 0 1\r\nx\r\nJUNK\r\n"} {
		if _, _, err := scanMemcache([]byte(bad)); err == nil {
			t.Errorf("unexpected success scanning %q", bad)
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
