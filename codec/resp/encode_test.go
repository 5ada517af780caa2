package resp

import (
	"math"
	"testing"
)

func TestEncoders(t *testing.T) {
	f := func(got []byte, want string) {
		t.Helper()
		if string(got) != want {
			t.Fatalf("unexpected encoding; got %q; want %q", got, want)
		}
	}
	pre := []byte("x")
	f(AppendSimple(pre, "OK"), "x+OK\r\n")
	f(AppendError(nil, "ERR a\r\nb"), "-ERR a  b\r\n")
	f(AppendInt(nil, 0), ":0\r\n")
	f(AppendInt(nil, -42), ":-42\r\n")
	f(AppendInt(nil, math.MinInt64), ":-9223372036854775808\r\n")
	f(AppendBulk(nil, []byte("a\r\nb")), "$4\r\na\r\nb\r\n")
	f(AppendBulk(nil, nil), "$0\r\n\r\n")
	f(AppendBulkString(nil, "0123456789"), "$10\r\n0123456789\r\n")
	f(AppendNullBulk(nil), "$-1\r\n")
	f(AppendArray(nil, 3), "*3\r\n")
	f(AppendArray(nil, 12), "*12\r\n")
	f(AppendArray(nil, -1), "*-1\r\n")
	f(AppendCommand(nil, []byte("SET"), []byte("k"), []byte("")), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n")
	f(ReplyOK, "+OK\r\n")
	f(ReplyPong, "+PONG\r\n")
}

func TestParseInt(t *testing.T) {
	f := func(s string, want int64, ok bool) {
		t.Helper()
		got, gotOK := parseInt([]byte(s))
		if got != want || gotOK != ok {
			t.Fatalf("unexpected parseInt(%q); got %d, %v; want %d, %v", s, got, gotOK, want, ok)
		}
	}
	f("0", 0, true)
	f("-1", -1, true)
	f("9223372036854775807", math.MaxInt64, true)
	f("-9223372036854775808", math.MinInt64, true)
	f("9223372036854775808", 0, false)
	f("-9223372036854775809", 0, false)
	f("99999999999999999999", 0, false)
	f("", 0, false)
	f("-", 0, false)
	f("-0", 0, false)
	f("01", 0, false)
	f("+1", 0, false)
	f(" 1", 0, false)
	f("1 ", 0, false)
	f("1a", 0, false)
}
