package resp

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseRequests(t *testing.T) {
	seed := testSeed(t)
	f := func(input string, want ...string) {
		t.Helper()
		for _, sp := range splitters(seed) {
			var p Parser
			got, left, err := parseRequests(&p, []byte(input), sp)
			if err != nil {
				t.Fatalf("%s: unexpected error for %q; got %v", sp.name, input, err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: unexpected requests for %q;\ngot  %q\nwant %q", sp.name, input, got, want)
			}
			if left != 0 && strings.Trim(input[len(input)-left:], "\r\n ") != "" {
				t.Fatalf("%s: unexpected leftover %q", sp.name, input[len(input)-left:])
			}
		}
	}
	f("*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n", `["GET" "foo"] get`)
	f("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$5\r\na\r\nb\x00\r\n", `["set" "k" "a\r\nb\x00"] set`)
	f("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nping\r\n", `["PING"] ping`, `["ping"] ping`)
	f("*2\r\n$3\r\nget\r\n$0\r\n\r\n", `["get" ""] get`)
	f("*1\r\n$3\r\nfoo\r\n", `["foo"]`)
	f("*3\r\n$6\r\nCONFIG\r\n$3\r\nGeT\r\n$1\r\n*\r\n", `["CONFIG" "GeT" "*"] config|get`)
	f("*2\r\n$6\r\nconfig\r\n$3\r\nxxx\r\n", `["config" "xxx"] config`)
	// Blank lines and empty multibulks between requests are skipped.
	f("\r\n\n  \r\n*0\r\n*-1\r\nping\r\n", `inline:["ping"] ping`)
	f("\r\n*1\r\n$4\r\nping\r\n\r\n", `["ping"] ping`)
	// Redis skips the two bytes after a bulk and after a length line unread.
	f("*1\r\n$4\r\npingXXping\r\n", `["ping"] ping`, `inline:["ping"] ping`)
	f("*1\rX$4\rXping\r\n", `["ping"] ping`)
	// Inline commands.
	f("PING\r\n", `inline:["PING"] ping`)
	f("ping\n", `inline:["ping"] ping`)
	f("  get   k  \r\n", `inline:["get" "k"] get`)
	f("echo\tx\r\n", `inline:["echo" "x"] echo`)
	f("ping \vx\r\n", `inline:["ping" "x"] ping`)
	f("a\vb\r\n", `inline:["a\vb"]`)
	f("\x01\x02 \xff\r\n", `inline:["\x01\x02" "\xff"]`)
	f("set k v\r\nget k\r\n", `inline:["set" "k" "v"] set`, `inline:["get" "k"] get`)
	f("foo \"a b\" 'c d'\r\n", `inline:["foo" "a b" "c d"]`)
	f("echo \"a\\x41\\n\\q\\\\\"\r\n", `inline:["echo" "aA\nq\\"] echo`)
	f("echo 'b\\'c'\r\n", `inline:["echo" "b'c"] echo`)
	f("echo 'b\\nc'\r\n", `inline:["echo" "b\\nc"] echo`)
	f("echo \"\\x4\"\r\n", `inline:["echo" "x4"] echo`)
	f("echo a\"b c\"\r\n", `inline:["echo" "ab c"] echo`)
	f("echo \"\" ''\r\n", `inline:["echo" "" ""] echo`)
	f("echo \"a\" \r\n", `inline:["echo" "a"] echo`)
	f("echo \"\\t\\r\\b\\a\"\r\n", `inline:["echo" "\t\r\b\a"] echo`)
	f("echo a\x00b\r\n", `inline:["echo" "a\x00b"] echo`)
}

func TestParseErrors(t *testing.T) {
	seed := testSeed(t)
	f := func(lim Limits, input string, want string) {
		t.Helper()
		for _, sp := range splitters(seed) {
			p := Parser{Limits: lim}
			_, _, err := parseRequests(&p, []byte(input), sp)
			var pe *ProtocolError
			if !errors.As(err, &pe) || !errors.Is(err, ErrProtocol) {
				t.Fatalf("%s: unexpected error for %.40q; got %v; want %q", sp.name, input, err, want)
			}
			if got := string(pe.Reply()); got != "-ERR "+want+"\r\n" {
				t.Fatalf("%s: unexpected reply for %.40q; got %q; want %q", sp.name, input, got, want)
			}
		}
	}
	var d Limits
	f(d, "*1x\r\n", "Protocol error: invalid multibulk length")
	f(d, "*+1\r\n", "Protocol error: invalid multibulk length")
	f(d, "*01\r\n", "Protocol error: invalid multibulk length")
	f(d, "*\r\n", "Protocol error: invalid multibulk length")
	f(d, "*1048577\r\n", "Protocol error: invalid multibulk length")
	f(d, "*1000000000\r\n", "Protocol error: invalid multibulk length")
	f(d, "*99999999999999999999999\r\n", "Protocol error: invalid multibulk length")
	f(d, "*1\r\n$-1\r\n", "Protocol error: invalid bulk length")
	f(d, "*1\r\n$01\r\n", "Protocol error: invalid bulk length")
	f(d, "*1\r\n$+1\r\n", "Protocol error: invalid bulk length")
	f(d, "*1\r\n$\r\n", "Protocol error: invalid bulk length")
	f(d, "*1\r\n$99999999999\r\n", "Protocol error: invalid bulk length")
	f(d, "*1\r\n$1000000000000\r\n", "Protocol error: invalid bulk length")
	f(d, "*1\r\n$536870913\r\n", "Protocol error: invalid bulk length")
	f(d, "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "Protocol error: expected '$', got 'f'")
	f(d, "*1\r\n:1\r\n", "Protocol error: expected '$', got ':'")
	f(d, "*1\r\n\x00\r\n", "Protocol error: expected '$', got '\x00'")
	f(d, "*1\r\n\r\r\n", "Protocol error: expected '$', got ' '")
	f(d, "echo \"a\"b\r\n", "Protocol error: unbalanced quotes in request")
	f(d, "echo \"ab\r\n", "Protocol error: unbalanced quotes in request")
	f(d, "echo 'a'b\r\n", "Protocol error: unbalanced quotes in request")
	f(d, "echo 'ab\r\n", "Protocol error: unbalanced quotes in request")
	f(d, "echo \"ab\\\"\r\n", "Protocol error: unbalanced quotes in request")
	f(d, strings.Repeat("x", 64<<10+1), "Protocol error: too big inline request")
	f(d, strings.Repeat("x", 64<<10+1)+"\r\n", "Protocol error: too big inline request")
	f(d, strings.Repeat("\r\n", 40<<10)+"ping", "Protocol error: too big inline request")
	f(d, "*"+strings.Repeat("1", 64<<10+1), "Protocol error: too big mbulk count string")
	f(d, "*1\r\n$"+strings.Repeat("1", 64<<10+1), "Protocol error: too big bulk count string")
	lim := Limits{MaxBulk: 3, MaxArgs: 2, MaxInline: 10}
	f(lim, "*1\r\n$4\r\nping\r\n", "Protocol error: invalid bulk length")
	f(lim, "*3\r\n", "Protocol error: invalid multibulk length")
	f(lim, "get 1234567\r\n", "Protocol error: too big inline request")
	f(lim, "*1\r\n$00000000001\r\n", "Protocol error: too big bulk count string")
}

func TestParseLimitsAccepted(t *testing.T) {
	// Lines and bulks exactly at the limits pass.
	lim := Limits{MaxBulk: 4, MaxArgs: 2, MaxInline: 10}
	p := Parser{Limits: lim}
	var r Request
	in := "get 12345\r\n*2\r\n$4\r\nabcd\r\n$0\r\n\r\n" // 10 bytes before '\n'
	n, err := p.Parse([]byte(in), &r)
	if err != nil || n != 11 {
		t.Fatalf("unexpected result; got %d, %v; want 11, nil", n, err)
	}
	n, err = p.Parse([]byte(in[n:]), &r)
	if err != nil || len(r.Args) != 2 || n != len(in)-11 {
		t.Fatalf("unexpected result; got %d, %v, %q", n, err, r.Args)
	}
}

func TestParseResumeState(t *testing.T) {
	// A re-call resumes where the last one stopped: the parser state shows it.
	var p Parser
	var r Request
	in := []byte("*2\r\n$3\r\nget\r\n$100\r\n" + strings.Repeat("v", 50))
	if _, err := p.Parse(in, &r); err != ErrIncomplete {
		t.Fatalf("unexpected error; got %v; want ErrIncomplete", err)
	}
	if p.state != stateBulkData || p.pos != 19 || p.bulk != 100 || p.left != 1 || len(p.spans) != 1 {
		t.Fatalf("unexpected state; got %+v", p)
	}
	line := []byte(strings.Repeat("x", 1000))
	p.Reset()
	if _, err := p.Parse(line, &r); err != ErrIncomplete || p.state != stateInline || p.pos != 1000 {
		t.Fatalf("unexpected inline state; got %v %+v", err, p)
	}
}

func TestParseHugeDeclaredLengths(t *testing.T) {
	// A huge count or bulk within the limits waits for data without growing.
	var p Parser
	var r Request
	in := []byte("*1048576\r\n$536870912\r\nabc")
	if _, err := p.Parse(in, &r); err != ErrIncomplete {
		t.Fatalf("unexpected error; got %v", err)
	}
	if cap(p.spans) != 0 || cap(r.Args) != 0 {
		t.Fatalf("unexpected growth; spans %d, args %d", cap(p.spans), cap(r.Args))
	}
}

func TestRequestArgsCapped(t *testing.T) {
	var p Parser
	var r Request
	in := []byte("*2\r\n$3\r\nget\r\n$1\r\nk\r\n")
	if _, err := p.Parse(in, &r); err != nil {
		t.Fatal(err)
	}
	for i, a := range r.Args {
		if cap(a) != len(a) {
			t.Fatalf("arg %d: unexpected capacity %d; want %d", i, cap(a), len(a))
		}
	}
	_ = append(r.Args[0], 'X')
	if string(in) != "*2\r\n$3\r\nget\r\n$1\r\nk\r\n" {
		t.Fatalf("append to an arg changed the buffer: %q", in)
	}
}
