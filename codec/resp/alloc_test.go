//go:build !race

package resp

import "testing"

// Zero-allocation pins for the hot path: parse a request, look its
// command up, find its keys, encode the reply; scan a reply; split and
// merge a multi-key request with a reused Split.

func TestAllocsRequestGetSet(t *testing.T) {
	get := []byte("*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n")
	set := []byte("*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$5\r\nvalue\r\n")
	var p Parser
	var r Request
	keys := make([]int, 0, 4)
	out := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		for _, frame := range [][]byte{get, set} {
			n, err := p.Parse(frame, &r)
			if err != nil || n != len(frame) || r.Cmd == nil {
				t.Fatalf("cannot parse %q: %v", frame, err)
			}
			if _, ok := r.Validate(out[:0]); !ok {
				t.Fatal("unexpected invalid request")
			}
			keys = r.Cmd.Keys(r.Args, keys[:0])
			out = AppendBulk(out[:0], r.Args[keys[0]])
			out = append(out, ReplyOK...)
			out = AppendInt(out, 42)
			out = AppendCommand(out, r.Args...)
		}
	})
	if allocs != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", allocs)
	}
}

func TestAllocsLookup(t *testing.T) {
	names := argsOf("GET", "set", "MgEt", "nosuchcommand", "dyno_config:conn_consistency")
	sub := argsOf("config", "GET", "x")
	allocs := testing.AllocsPerRun(100, func() {
		for _, n := range names {
			Lookup(n)
		}
		if LookupArgs(sub) == nil {
			t.Fatal("no config|get")
		}
	})
	if allocs != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", allocs)
	}
}

func TestAllocsInlinePartialAndHuge(t *testing.T) {
	inline := []byte("set k \"a b\"\r\n")
	partial := []byte("*1000000\r\n$536870912\r\nabc")
	hugeCount := []byte("*1000000000\r\n")
	hugeBulk := []byte("*1\r\n$1000000000000\r\n")
	var p Parser
	var r Request
	p.Parse(inline, &r) // sizes the scratch space
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := p.Parse(inline, &r); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Parse(partial, &r); err != ErrIncomplete {
			t.Fatal(err)
		}
		p.Reset()
		if _, err := p.Parse(hugeCount, &r); err != errInvalidMultibulkLen {
			t.Fatal(err)
		}
		if _, err := p.Parse(hugeBulk, &r); err != errInvalidBulkLen {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", allocs)
	}
}

func TestAllocsScanReply(t *testing.T) {
	replies := argsOf("+OK\r\n", "$5\r\nvalue\r\n", ":1\r\n", "*3\r\n$1\r\na\r\n*1\r\n:1\r\n$-1\r\n")
	var s ReplyScanner
	allocs := testing.AllocsPerRun(100, func() {
		for _, r := range replies {
			if n, err := s.Scan(r); err != nil || n != len(r) {
				t.Fatalf("cannot scan %q: %v", r, err)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", allocs)
	}
}

func TestAllocsSplitMerge(t *testing.T) {
	args := argsOf("mget", "a1", "b1", "a2", "c1", "b2")
	req := Request{Args: args, Cmd: LookupArgs(args)}
	owner := func(k []byte) int { return int(k[0]) }
	replies := argsOf("*2\r\n$1\r\nx\r\n$-1\r\n", "*2\r\n$1\r\ny\r\n$1\r\nz\r\n", "*1\r\n$-1\r\n")
	var sp Split
	buf := make([]byte, 0, 512)
	out := make([]byte, 0, 512)
	sp.Split(buf, &req, owner)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := sp.Split(buf[:0], &req, owner); err != nil {
			t.Fatal(err)
		}
		if _, err := sp.Merge(out[:0], replies); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", allocs)
	}

	// More parts than the fixed array: the heap array is kept and reused.
	args = argsOf("del", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l")
	req = Request{Args: args, Cmd: LookupArgs(args)}
	replies = argsOf(":1\r\n", ":1\r\n", ":1\r\n", ":1\r\n", ":1\r\n", ":1\r\n", ":1\r\n", ":1\r\n", ":1\r\n", ":1\r\n", ":1\r\n", ":1\r\n")
	sp.Split(buf[:0], &req, owner)
	allocs = testing.AllocsPerRun(100, func() {
		sp.Split(buf[:0], &req, owner)
		if got, err := sp.Merge(out[:0], replies); err != nil || string(got) != ":12\r\n" {
			t.Fatalf("unexpected merge %q, %v", got, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("unexpected allocations with 12 parts; got %v; want 0", allocs)
	}
}

func TestAllocsErrorReplies(t *testing.T) {
	args := argsOf("foo", "a", "b")
	out := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() {
		out = ErrUnknownCommand(out[:0], args[0], args[1:])
		out = ErrWrongArity(out[:0], args[0])
		out = AppendProxyError(out[:0], "Storage: Datastore refused connection")
		out = AppendSortAlpha(out[:0], args[1])
	})
	if allocs != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", allocs)
	}
}
