package resp

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// serverVersion returns redis_version from INFO server.
func serverVersion(rc *redisConn) string {
	info := rc.ask(argsOf("INFO", "server"))
	_, rest, _ := strings.Cut(info, "redis_version:")
	v, _, _ := strings.Cut(rest, "\r\n")
	return v
}

// TestRedisHello: for each HELLO request, ParseHello's error is Redis's
// reply byte for byte, and a request it accepts gets a map equal to
// AppendHelloReply's, in the protocol Redis switched to.
func TestRedisHello(t *testing.T) {
	rc := newRedisConn(t, startRedis(t))
	version := serverVersion(rc)
	id, err := strconv.ParseInt(strings.TrimSpace(rc.ask(argsOf("CLIENT", "ID"))[1:]), 10, 64)
	if err != nil {
		t.Fatalf("cannot read CLIENT ID: %v", err)
	}
	proto := 2
	f := func(args ...string) {
		t.Helper()
		all := argsOf(append([]string{"HELLO"}, args...)...)
		var h Hello
		want, ok := ParseHello(nil, all, &h)
		if ok {
			if h.Proto != 0 {
				proto = h.Proto
			}
			want = AppendHelloReply(want, &HelloReply{Server: "redis", Version: version, Proto: proto,
				ID: id, Mode: "standalone", Role: "master"})
		}
		if got := rc.ask(all); got != string(want) {
			t.Fatalf("HELLO %q: redis answered %q; predicted %q", args, got, want)
		}
	}
	f()
	f("3")
	f()
	f("2")
	f("3", "auth", "default", "any", "SETNAME", "conn-1")
	f("2", "SETNAME", "")
	f("3", "AUTH", "default", "p", "SETNAME", "n", "AUTH", "default", "q")
	for _, v := range []string{"x", "4", "1", "0", "-1", "03", "+3", "-0", " 3", "", "99999999999999999999", "3.0"} {
		f(v)
	}
	f("3", "FOO")
	f("3", "AUTH", "u")
	f("3", "SETNAME")
	f("3", "SETNAME", "a b")
	f("3", "SETNAME", "a\nb")
	f("3", "SETNAME", "caf\xc3\xa9")
	f("2", "bad\r\nopt")
	f("3", "SETNAME", "ok", "BOGUS")
	f("3", "SETNAME", "bad name", "BOGUS")
	f("3", "BOGUS", "SETNAME", "bad name")
	f("2", strings.Repeat("x", 300))
	f("3", "AUTH", "default", "p", "SETNAME")

	var h Hello
	if _, ok := ParseHello(nil, argsOf("HELLO", "3", "AUTH", "u", "p", "SETNAME", "nm"), &h); !ok ||
		h.Proto != 3 || !h.Auth || string(h.User) != "u" || string(h.Pass) != "p" || !h.SetName || string(h.Name) != "nm" {
		t.Fatalf("unexpected HELLO arguments %+v", h)
	}
	if _, ok := ParseHello(nil, argsOf("HELLO"), &h); !ok || h.Proto != 0 || h.Auth || h.SetName {
		t.Fatalf("unexpected HELLO arguments %+v", h)
	}
	if !raceEnabled {
		args := argsOf("HELLO", "3", "AUTH", "u", "p", "SETNAME", "nm")
		buf := make([]byte, 0, 256)
		if allocs := testing.AllocsPerRun(100, func() {
			ParseHello(buf[:0], args, &h)
			AppendHelloReply(buf[:0], &HelloReply{Server: "redis", Version: "7.0.15", Proto: 3, ID: 7, Mode: "standalone", Role: "master"})
		}); allocs != 0 {
			t.Fatalf("unexpected allocations; got %v; want 0", allocs)
		}
	}
}

// TestRedisEncoders3: each protocol-aware encoder writes what Redis writes
// for the same value to a client of each protocol.
func TestRedisEncoders3(t *testing.T) {
	addr := startRedis(t, "--enable-debug-command", "yes")
	for _, proto := range []int{2, 3} {
		rc := newRedisConn(t, addr)
		rc.ask(argsOf("HELLO", strconv.Itoa(proto)))
		f := func(req string, want []byte) {
			t.Helper()
			if got := rc.ask(argsOf(strings.Fields(req)...)); got != string(want) {
				t.Fatalf("RESP%d %s: redis answered %q; encoder wrote %q", proto, req, got, want)
			}
		}
		rc.ask(argsOf("DEL", "z", "h", "s"))
		rc.ask(argsOf("ZADD", "z", "0.1", "a", "1.5", "b", "1e20", "c", "inf", "d", "-inf", "e", "-2.5", "f",
			"3", "g", "1.7976931348623157e308", "h", "5e-324", "i", "-123456.789", "j"))
		for m, v := range map[string]float64{"a": 0.1, "b": 1.5, "c": 1e20, "d": inf(1), "e": inf(-1),
			"f": -2.5, "g": 3, "h": 1.7976931348623157e308, "i": 5e-324, "j": -123456.789} {
			f("ZSCORE z "+m, AppendDouble(nil, v, proto))
		}
		rc.ask(argsOf("HSET", "h", "f", "v"))
		f("HGETALL h", AppendBulkString(AppendBulkString(AppendMap(nil, 1, proto), "f"), "v"))
		f("HGETALL nohash", AppendMap(nil, 0, proto))
		rc.ask(argsOf("SADD", "s", "m"))
		f("SMEMBERS s", AppendBulkString(AppendSet(nil, 1, proto), "m"))
		f("GET missing", AppendNull(nil, proto))
		f("BLPOP nolist 0.01", AppendNullArray(nil, proto))
		f("DEBUG PROTOCOL true", AppendBool(nil, true, proto))
		f("DEBUG PROTOCOL false", AppendBool(nil, false, proto))
		f("DEBUG PROTOCOL verbatim", AppendVerbatim(nil, "txt", []byte("This is a verbatim\nstring"), proto))
		f("DEBUG PROTOCOL null", AppendNull(nil, proto))
		f("SUBSCRIBE ch", AppendInt(AppendBulkString(AppendBulkString(AppendPush(nil, 3, proto), "subscribe"), "ch"), 1))
	}
}

func inf(sign int) float64 { return math.Inf(sign) }

func TestAllocsEncoders3(t *testing.T) {
	if raceEnabled {
		return
	}
	buf := make([]byte, 0, 256)
	for _, proto := range []int{2, 3} {
		allocs := testing.AllocsPerRun(100, func() {
			b := AppendMap(buf[:0], 2, proto)
			b = AppendSet(b, 1, proto)
			b = AppendPush(b, 3, proto)
			b = AppendNull(b, proto)
			b = AppendNullArray(b, proto)
			b = AppendDouble(b, 0.1, proto)
			b = AppendDouble(b, inf(-1), proto)
			b = AppendBool(b, true, proto)
			AppendVerbatim(b, "txt", []byte("id=7 name="), proto)
		})
		if allocs != 0 {
			t.Fatalf("RESP%d: unexpected allocations; got %v; want 0", proto, allocs)
		}
	}
}
