package memcache

import (
	"strings"
	"testing"
)

// f-style: every case runs in split-read mode (whole, byte by byte, random).

func TestParseRetrieval(t *testing.T) {
	f := func(input string, want ...string) {
		t.Helper()
		got, left := checkSplitRead(t, Limits{}, []byte(input))
		if left > 0 && strings.Contains(want[len(want)-1], " skip=") {
			left = 0 // the declared block was not sent
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") || left != 0 {
			t.Fatalf("unexpected frames for %q;\ngot  %q (left %d)\nwant %q", input, got, left, want)
		}
	}
	f("get a\r\n", `n=7 get keys=["a"]`)
	f("get a b c\r\n", `n=11 get keys=["a" "b" "c"]`)
	f("gets a\n", `n=7 gets keys=["a"]`)
	f("  get   a  b \r\n", `n=15 get keys=["a" "b"]`)
	f("get a\r\r\n", `n=8 get keys=["a\r"]`)
	f("get a\rb\r\n", `n=9 get keys=["a\rb"]`)
	f("get a\tb\r\n", `n=9 get keys=["a\tb"]`)
	f("get a a\r\n", `n=9 get keys=["a" "a"]`)
	f("get noreply\r\n", `n=13 get keys=["noreply"]`)
	f("get\r\n", `err="memcache: ERROR" n=5 get`)
	f("get \r\n", `err="memcache: ERROR" n=6 get`)
	f("GET a\r\n", `err="memcache: ERROR" n=7 unknown`)
	f("get\ta\r\n", `err="memcache: ERROR" n=7 unknown`)
	f("get "+strings.Repeat("k", 250)+"\r\n", `n=256 get keys=["`+strings.Repeat("k", 250)+`"]`)
	f("get a "+strings.Repeat("k", 251)+"\r\n",
		`err="memcache: CLIENT_ERROR bad command line format" n=259 get keys=["a" "`+strings.Repeat("k", 251)+`"]`)
	f("gat 10 a b\r\n", `n=12 gat keys=["a" "b"] f=0 e=10 b=0 c=0 d=0`)
	f("gats -1 a\r\n", `n=11 gats keys=["a"] f=0 e=-1 b=0 c=0 d=0`)
	f("gat 10\r\n", `n=8 gat f=0 e=10 b=0 c=0 d=0`)
	f("gat a\r\n", `err="memcache: CLIENT_ERROR invalid exptime argument" n=7 gat`)
	f("gat\r\n", `err="memcache: ERROR" n=5 gat`)
	f("get a\r\nget b\r\n", `n=7 get keys=["a"]`, `n=7 get keys=["b"]`)
}

func TestParseStorage(t *testing.T) {
	f := func(input string, want ...string) {
		t.Helper()
		got, left := checkSplitRead(t, Limits{}, []byte(input))
		if left > 0 && strings.Contains(want[len(want)-1], " skip=") {
			left = 0 // the declared block was not sent
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") || left != 0 {
			t.Fatalf("unexpected frames for %q;\ngot  %q (left %d)\nwant %q", input, got, left, want)
		}
	}
	f("set a 1 2 3\r\nabc\r\n", `n=18 set keys=["a"] f=1 e=2 b=3 c=0 d=0 value="abc"`)
	f("set a 1 2 0\r\n\r\n", `n=15 set keys=["a"] f=1 e=2 b=0 c=0 d=0 value=""`)
	f("add a 0 0 5 noreply\r\na\r\nbc\r\n", `n=28 add keys=["a"] f=0 e=0 b=5 c=0 d=0 noreply value="a\r\nbc"`)
	f("replace a 0 0 1 junk\r\nx\r\n", `n=25 replace keys=["a"] f=0 e=0 b=1 c=0 d=0 value="x"`)
	f("append a 0 0 1\nx\r\n", `n=18 append keys=["a"] f=0 e=0 b=1 c=0 d=0 value="x"`)
	f("prepend a +5 -1 01\r\nx\r\n", `n=23 prepend keys=["a"] f=5 e=-1 b=1 c=0 d=0 value="x"`)
	f("cas a 0 0 1 99\r\nx\r\n", `n=19 cas keys=["a"] f=0 e=0 b=1 c=99 d=0 value="x"`)
	f("cas a 0 0 1 99 noreply\r\nx\r\n", `n=27 cas keys=["a"] f=0 e=0 b=1 c=99 d=0 noreply value="x"`)
	// Wrong token counts: ERROR, only the line is consumed, the data is a command.
	f("set a 0 0\r\n", `err="memcache: ERROR" n=11 set`)
	f("set a 0 0 3 noreply extra\r\nabc\r\n", `err="memcache: ERROR" n=27 set`, `err="memcache: ERROR" n=5 unknown`)
	f("cas a 0 0 3\r\nabc\r\n", `err="memcache: ERROR" n=13 cas`, `err="memcache: ERROR" n=5 unknown`)
	// Bad numbers and keys: CLIENT_ERROR, the data is read as a command.
	f("set a 0 0 abc\r\nx\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=15 set keys=["a"]`,
		`err="memcache: ERROR" n=3 unknown`)
	f("set a 0 0 -1\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=14 set keys=["a"]`)
	f("set a -1 0 1\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=14 set keys=["a"]`)
	f("set a 0 x 1\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=13 set keys=["a"]`)
	f("set a 0 0 x noreply\r\n",
		`err="memcache: CLIENT_ERROR bad command line format" n=21 set keys=["a"] noreply`)
	f("cas a 0 0 1 -1\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=16 cas keys=["a"]`)
	f("set a 0 0 2147483646\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=22 set keys=["a"]`)
	f("set a 0 0 10000000000\r\nabc\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=23 set keys=["a"]`,
		`err="memcache: ERROR" n=5 unknown`)
	k251 := strings.Repeat("k", 251)
	f("set "+k251+" 0 0 1\r\nx\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=263 set keys=["`+k251+`"]`,
		`err="memcache: ERROR" n=3 unknown`)
	// Bad data chunk: exactly <bytes>+2 bytes go.
	f("set a 0 0 3\r\nxyzw\r\n", `err="memcache: CLIENT_ERROR bad data chunk" n=18 set keys=["a"] f=0 e=0 b=3 c=0 d=0`,
		`err="memcache: ERROR" n=1 unknown`)
	f("set a 0 0 3\r\nabc\rxget a\r\n", `err="memcache: CLIENT_ERROR bad data chunk" n=18 set keys=["a"] f=0 e=0 b=3 c=0 d=0`,
		`n=7 get keys=["a"]`)
	// Too large: SERVER_ERROR at once, the declared block is skipped.
	f("set a 0 0 2000000\r\n",
		`err="memcache: SERVER_ERROR object too large for cache" n=19 set keys=["a"] f=0 e=0 b=2000000 c=0 d=0 skip=2000002`)
}

func TestParseLimits(t *testing.T) {
	f := func(lim Limits, input string, left int, want ...string) {
		t.Helper()
		got, gotLeft := checkSplitRead(t, lim, []byte(input))
		if strings.Join(got, "\n") != strings.Join(want, "\n") || gotLeft != left {
			t.Fatalf("unexpected frames for %.60q;\ngot  %q (left %d)\nwant %q (left %d)", input, got, gotLeft, want, left)
		}
	}
	// MaxValue is configurable; the declared block of a rejected value is skipped.
	f(Limits{MaxValue: 4000}, "set a 0 0 3000\r\n"+strings.Repeat("x", 3000)+"\r\n", 0,
		`n=3018 set keys=["a"] f=0 e=0 b=3000 c=0 d=0 value="`+strings.Repeat("x", 3000)+`"`)
	f(Limits{MaxValue: 2000}, "set a 0 0 3000\r\n"+strings.Repeat("x", 3000)+"\r\nget b\r\n", 0,
		`err="memcache: SERVER_ERROR object too large for cache" n=16 set keys=["a"] f=0 e=0 b=3000 c=0 d=0 skip=3002`,
		`n=7 get keys=["b"]`)
	f(Limits{MaxValue: 2000}, "ms a 3000\r\n"+strings.Repeat("x", 3000)+"\r\nmn\r\n", 0,
		`err="memcache: SERVER_ERROR object too large for cache" n=11 ms keys=["a"] f=0 e=0 b=3000 c=0 d=0 skip=3002`, `n=4 mn`)
	// A declared length over the limit with its data not sent yet: the skip is pending.
	f(Limits{}, "set a 0 0 1048577\r\nxx", 1048577,
		`err="memcache: SERVER_ERROR object too large for cache" n=19 set keys=["a"] f=0 e=0 b=1048577 c=0 d=0 skip=1048579`)
	// No end of line within MaxLine: fatal, nothing consumed.
	f(Limits{}, strings.Repeat("x", 2048), -1, `err="memcache: CLIENT_ERROR line too long" n=0 unknown`)
	f(Limits{}, strings.Repeat("x", 2047), 2047)
	f(Limits{}, "set "+strings.Repeat("k", 3000)+" 0 0 1\r\n", -1, `err="memcache: CLIENT_ERROR line too long" n=0 unknown`)
	// ... except for retrievals, bounded by MaxKeys.
	long := "get" + strings.Repeat(" k", 2000) + "\r\n"
	got, _ := checkSplitRead(t, Limits{}, []byte(long))
	if len(got) != 1 || !strings.HasPrefix(got[0], "n=4005 get") {
		t.Fatalf("unexpected frames for a long get; got %.80q", got)
	}
	f(Limits{MaxKeys: 3}, "get a b c d\r\nget a\r\n", 0, `err="memcache: CLIENT_ERROR too many keys" n=13 get keys=["a" "b" "c" "d"]`, `n=7 get keys=["a"]`)
	f(Limits{MaxKeys: 2, MaxLine: 16}, "get "+strings.Repeat("k", 600)+"\r\n", -1,
		`err="memcache: CLIENT_ERROR line too long" n=0 unknown`)
	f(Limits{MaxKeyLen: 3}, "get abcd\r\n", 0, `err="memcache: CLIENT_ERROR bad command line format" n=10 get keys=["abcd"]`)
}

func TestParseOther(t *testing.T) {
	f := func(input string, want ...string) {
		t.Helper()
		got, left := checkSplitRead(t, Limits{}, []byte(input))
		if left > 0 && strings.Contains(want[len(want)-1], " skip=") {
			left = 0 // the declared block was not sent
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") || left != 0 {
			t.Fatalf("unexpected frames for %q;\ngot  %q (left %d)\nwant %q", input, got, left, want)
		}
	}
	f("incr a 5\r\n", `n=10 incr keys=["a"] f=0 e=0 b=0 c=0 d=5`)
	f("decr a 18446744073709551615 noreply\r\n", `n=37 decr keys=["a"] f=0 e=0 b=0 c=0 d=18446744073709551615 noreply`)
	f("incr a 1 x\r\n", `n=12 incr keys=["a"] f=0 e=0 b=0 c=0 d=1`)
	f("incr a 18446744073709551616\r\n", `err="memcache: CLIENT_ERROR invalid numeric delta argument" n=29 incr keys=["a"]`)
	f("incr a -1\r\n", `err="memcache: CLIENT_ERROR invalid numeric delta argument" n=11 incr keys=["a"]`)
	f("incr a noreply\r\n", `err="memcache: CLIENT_ERROR invalid numeric delta argument" n=16 incr keys=["a"] noreply`)
	f("incr a abc noreply\r\n", `err="memcache: CLIENT_ERROR invalid numeric delta argument" n=20 incr keys=["a"] noreply`)
	f("incr\r\n", `err="memcache: ERROR" n=6 incr`)
	f("incr a 1 noreply x\r\n", `err="memcache: ERROR" n=20 incr`)
	f("delete a\r\n", `n=10 delete keys=["a"]`)
	f("delete a 0\r\n", `n=12 delete keys=["a"]`)
	f("delete a noreply\r\n", `n=18 delete keys=["a"] noreply`)
	f("delete a 0 noreply\r\n", `n=20 delete keys=["a"] noreply`)
	f("delete a x\r\n", `err="memcache: CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]" n=12 delete keys=["a"]`)
	f("delete a 5\r\n", `err="memcache: CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]" n=12 delete keys=["a"]`)
	f("delete a x noreply\r\n", `err="memcache: CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]" n=20 delete keys=["a"] noreply`)
	f("delete\r\n", `err="memcache: ERROR" n=8 delete`)
	f("delete a 0 noreply x\r\n", `err="memcache: ERROR" n=22 delete`)
	f("touch a 10\r\n", `n=12 touch keys=["a"] f=0 e=10 b=0 c=0 d=0`)
	f("touch a 10 noreply\r\n", `n=20 touch keys=["a"] f=0 e=10 b=0 c=0 d=0 noreply`)
	f("touch a abc\r\n", `err="memcache: CLIENT_ERROR invalid exptime argument" n=13 touch keys=["a"]`)
	f("touch a\r\n", `err="memcache: ERROR" n=9 touch`)
	f("version\r\n", `n=9 version`)
	f("version x\r\n", `n=11 version`)
	f("verbosity 1\r\n", `n=13 verbosity`)
	f("verbosity 1 noreply\r\n", `n=21 verbosity noreply`)
	f("verbosity 1 2\r\n", `n=15 verbosity`)
	f("verbosity abc\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=15 verbosity`)
	f("verbosity\r\n", `err="memcache: ERROR" n=11 verbosity`)
	f("verbosity 1 2 3\r\n", `err="memcache: ERROR" n=17 verbosity`)
	f("quit\r\n", `n=6 quit`)
	f("bogus noreply\r\n", `err="memcache: ERROR" n=15 unknown`)
	f("\r\n", `err="memcache: ERROR" n=2 unknown`)
	f("   \r\n", `err="memcache: ERROR" n=5 unknown`)
	f("\n", `err="memcache: ERROR" n=1 unknown`)
}

func TestParseMeta(t *testing.T) {
	f := func(input string, want ...string) {
		t.Helper()
		got, left := checkSplitRead(t, Limits{}, []byte(input))
		if left > 0 && strings.Contains(want[len(want)-1], " skip=") {
			left = 0 // the declared block was not sent
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") || left != 0 {
			t.Fatalf("unexpected frames for %q;\ngot  %q (left %d)\nwant %q", input, got, left, want)
		}
	}
	f("mn\r\n", `n=4 mn`)
	f("mn x\r\n", `n=6 mn`)
	f("mg a v k c f t s O123\r\n", `n=23 mg keys=["a"]`)
	f("mg a v q\r\n", `n=10 mg keys=["a"] quiet`)
	f("mg YQ== b v\r\n", `n=13 mg keys=["YQ=="] base64`)
	f("md a q\r\n", `n=8 md keys=["a"] quiet`)
	f("ma a N0 J13 v\r\n", `n=15 ma keys=["a"]`)
	f("me a\r\n", `n=6 me keys=["a"]`)
	f("ms a 2\r\nhi\r\n", `n=12 ms keys=["a"] f=0 e=0 b=2 c=0 d=0 value="hi"`)
	f("ms a 2 T0 F5 c q\r\nhi\r\n", `n=22 ms keys=["a"] f=0 e=0 b=2 c=0 d=0 quiet value="hi"`)
	f("mg\r\n", `err="memcache: ERROR" n=4 mg`)
	f("md\r\n", `err="memcache: ERROR" n=4 md`)
	f("ma\r\n", `err="memcache: ERROR" n=4 ma`)
	f("ms\r\n", `err="memcache: ERROR" n=4 ms`)
	f("me\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=4 me`)
	f("ms a\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=6 ms keys=["a"]`)
	f("ms a abc\r\nxx\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=10 ms keys=["a"]`, `err="memcache: ERROR" n=4 unknown`)
	f("ms a S2\r\nhi\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=9 ms keys=["a"]`, `err="memcache: ERROR" n=4 unknown`)
	f("ms a 3\r\nabcde\r\n", `err="memcache: CLIENT_ERROR bad data chunk" n=13 ms keys=["a"] f=0 e=0 b=3 c=0 d=0`, `err="memcache: ERROR" n=2 unknown`)
	f("ms a 2000000 q\r\n",
		`err="memcache: SERVER_ERROR object too large for cache" n=16 ms keys=["a"] f=0 e=0 b=2000000 c=0 d=0 quiet skip=2000002`)
	k251 := strings.Repeat("k", 251)
	f("mg "+k251+" v\r\n", `err="memcache: CLIENT_ERROR bad command line format" n=258 mg keys=["`+k251+`"]`)
	f("mg a"+strings.Repeat(" v", 17)+"\r\n", `n=40 mg keys=["a"]`)
	f("mg a"+strings.Repeat(" v", 18)+"\r\n", `err="memcache: CLIENT_ERROR options flags are too long" n=42 mg keys=["a"]`)
	f("md a"+strings.Repeat(" q", 18)+"\r\n", `err="memcache: CLIENT_ERROR options flags too long" n=42 md keys=["a"] quiet`)
	f("ms a 1"+strings.Repeat(" T1", 17)+"\r\nx\r\n", `err="memcache: CLIENT_ERROR options flags too long" n=59 ms keys=["a"]`,
		`err="memcache: ERROR" n=3 unknown`)
}

func TestParseMaxValue(t *testing.T) {
	// A value of exactly MaxValue (1 MiB by default) is accepted, in one piece
	// and in a few large pieces.
	input := []byte("set a 0 0 1048576\r\n" + strings.Repeat("v", 1<<20) + "\r\n")
	for _, chunks := range [][][]byte{{input}, {input[:10], input[10:500000], input[500000:]}} {
		got, left := parseStream(Limits{}, chunks)
		if len(got) != 1 || !strings.HasPrefix(got[0], `n=1048597 set keys=["a"] f=0 e=0 b=1048576`) || left != 0 {
			t.Fatalf("unexpected frames for a 1 MiB value; got %.100q (left %d)", got, left)
		}
	}
}

func TestPending(t *testing.T) {
	var p Parser
	var r Request
	f := func(input string, want int) {
		t.Helper()
		p.Reset()
		if _, err := p.Parse([]byte(input), &r); err != ErrIncomplete {
			t.Fatalf("unexpected error for %q: %v", input, err)
		}
		if got := p.Pending(); got != want {
			t.Fatalf("unexpected Pending for %q; got %d; want %d", input, got, want)
		}
	}
	f("set a 0 0 100\r\nxyz", 117)
	f("ms a 5\r\n", 15)
	f("set a 0 0 100", 0)
	var s ReplyScanner
	if _, _, err := s.Scan([]byte("VALUE a 0 10\r\nab"), CmdGet); err != ErrIncomplete || s.Pending() != 26 {
		t.Fatalf("unexpected scanner Pending; got %d, %v; want 26, ErrIncomplete", s.Pending(), err)
	}
}

func TestRequestAccessors(t *testing.T) {
	var p Parser
	var r Request
	f := func(input string, key string, meta []string) {
		t.Helper()
		if _, err := p.Parse([]byte(input), &r); err != nil {
			t.Fatalf("unexpected error for %q: %v", input, err)
		}
		if string(r.Key()) != key {
			t.Fatalf("unexpected Key for %q; got %q; want %q", input, r.Key(), key)
		}
		var got []string
		for _, m := range r.MetaFlags() {
			got = append(got, string(m))
		}
		if strings.Join(got, ",") != strings.Join(meta, ",") {
			t.Fatalf("unexpected MetaFlags for %q; got %q; want %q", input, got, meta)
		}
	}
	f("get a b\r\n", "a", nil)
	f("version\r\n", "", nil)
	f("mg a v k\r\n", "a", []string{"v", "k"})
	f("ms a 1 T0\r\nx\r\n", "a", []string{"T0"})
	f("mn\r\n", "", nil)
}
