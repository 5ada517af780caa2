//go:build !race

package memcache

import "testing"

// The hot paths allocate nothing once the caller's reusable slices have grown.

func TestAllocsParse(t *testing.T) {
	f := func(input string) {
		t.Helper()
		var p Parser
		var r Request
		buf := []byte(input)
		p.Parse(buf, &r) // grow r.Tokens once
		allocs := testing.AllocsPerRun(100, func() {
			if n, err := p.Parse(buf, &r); err != nil || n != len(buf) {
				t.Fatalf("cannot parse %q: n=%d err=%v", input, n, err)
			}
		})
		if allocs != 0 {
			t.Fatalf("unexpected allocations parsing %q; got %v; want 0", input, allocs)
		}
	}
	f("get key:000000000001\r\n")
	f("get k1 k2 k3 k4 k5 k6 k7 k8 k9 k10\r\n")
	f("set key:000000000001 0 0 32\r\n01234567890123456789012345678901\r\n")
	f("cas k 0 0 1 12345 noreply\r\nx\r\n")
	f("mg key v k c\r\n")
	f("ms key 2 T0\r\nhi\r\n")
}

func TestAllocsParseIncomplete(t *testing.T) {
	// Re-calling on a growing buffer allocates nothing either.
	input := []byte("set key 0 0 32\r\n01234567890123456789012345678901\r\n")
	var p Parser
	var r Request
	p.Parse(input, &r)
	allocs := testing.AllocsPerRun(100, func() {
		for i := 1; i < len(input); i++ {
			if _, err := p.Parse(input[:i], &r); err != ErrIncomplete {
				t.Fatalf("unexpected error at %d bytes: %v", i, err)
			}
		}
		p.Parse(input, &r)
	})
	if allocs != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", allocs)
	}
}

func TestAllocsScan(t *testing.T) {
	f := func(cmd Command, input string) {
		t.Helper()
		var s ReplyScanner
		buf := []byte(input)
		allocs := testing.AllocsPerRun(100, func() {
			if n, _, err := s.Scan(buf, cmd); err != nil || n != len(buf) {
				t.Fatalf("cannot scan %q: n=%d err=%v", input, n, err)
			}
		})
		if allocs != 0 {
			t.Fatalf("unexpected allocations scanning %q; got %v; want 0", input, allocs)
		}
	}
	f(CmdGet, "VALUE key 0 32\r\n01234567890123456789012345678901\r\nEND\r\n")
	f(CmdGet, "END\r\n")
	f(CmdSet, "STORED\r\n")
	f(CmdIncr, "42\r\n")
	f(CmdMetaGet, "VA 2 s2\r\nhi\r\n")
}

func TestAllocsSplitMerge(t *testing.T) {
	r := mustParse(t, "get a b c d\r\n")
	replies := [][]byte{
		[]byte("VALUE a 0 1\r\nA\r\nVALUE c 0 1\r\nC\r\nEND\r\n"),
		[]byte("VALUE d 0 1\r\nD\r\nEND\r\n"),
	}
	var s Splitter
	buf := make([]byte, 0, 256)
	s.Split(r, ownerByFirstByte)
	allocs := testing.AllocsPerRun(100, func() {
		buf = buf[:0]
		frags := s.Split(r, ownerByFirstByte)
		for i := range frags {
			buf = AppendFragment(buf, r, &frags[i])
		}
		var err error
		if buf, err = s.Merge(buf[:0], r, replies); err != nil {
			t.Fatalf("cannot merge: %v", err)
		}
	})
	if allocs != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", allocs)
	}
}

func TestAllocsEncode(t *testing.T) {
	buf := make([]byte, 0, 256)
	key, val := []byte("key"), []byte("value")
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendValue(buf[:0], key, 1, val)
		buf = AppendServerError(buf, "Dynomite:", "Failed to achieve Quorum")
		buf = append(buf, ErrBadFormat.Reply()...)
		_ = Lookup([]byte("prepend"))
	})
	if allocs != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", allocs)
	}
}

func TestAllocsDeclaredLength(t *testing.T) {
	// A declared length costs nothing until the bytes are there: waiting for
	// a 1 MiB block, rejecting 2 MB and refusing 10 GB allocate nothing.
	var p Parser
	var r Request
	for _, input := range []string{"set a 0 0 1048576\r\nxx", "set a 0 0 2000000\r\n", "set a 0 0 10000000000\r\n"} {
		buf := []byte(input)
		p.Parse(buf, &r)
		p.Reset()
		allocs := testing.AllocsPerRun(100, func() {
			p.Parse(buf, &r)
			p.Reset()
		})
		if allocs != 0 {
			t.Fatalf("unexpected allocations parsing %q; got %v; want 0", input, allocs)
		}
	}
}

// TestAllocsGetBatch: joining gets and cutting the replies, hits and
// misses, first and last of a line, allocate nothing once the batch's
// buffers have grown.
func TestAllocsGetBatch(t *testing.T) {
	keys := [][]byte{[]byte("a"), []byte("b"), []byte("c")}
	reply := []byte("VALUE a 0 1\r\nA\r\nVALUE c 0 2\r\nCC\r\nEND\r\n")
	var b GetBatch
	out := make([]byte, 0, 256)
	round := func() {
		out = out[:0]
		for _, k := range keys {
			out = b.Add(out, k)
		}
		out = b.Close(out)
		buf := reply
		for b.Pending() > 0 {
			_, n, err := b.Next(buf)
			if err != nil {
				t.Fatalf("cannot cut %q: %v", buf, err)
			}
			buf = buf[n:]
		}
		if len(buf) != 0 {
			t.Fatalf("unexpected bytes left: %q", buf)
		}
	}
	round()
	allocs := testing.AllocsPerRun(100, round)
	if allocs != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", allocs)
	}
}

// TestAllocsMute: the loud form of a request, its mute, and muting its
// reply allocate nothing once dst has room.
func TestAllocsMute(t *testing.T) {
	set := []byte("set k 0 0 1 noreply\r\nx\r\n")
	mg := []byte("mg k v q\r\n")
	var p Parser
	var rs, rm Request
	if _, err := p.Parse(set, &rs); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse(mg, &rm); err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 0, 256)
	reply := []byte("EN\r\n")
	allocs := testing.AllocsPerRun(100, func() {
		out = AppendLoud(out[:0], set, &rs)
		out = AppendLoud(out, mg, &rm)
		if MuteOf(&rm).Apply(reply) != nil || MuteOf(&rs).Apply(reply) != nil {
			t.Fatal("unexpected reply through a mute")
		}
		out = AppendProxyError(out, "Storage: Datastore timed out")
		_ = IsErrorReply(reply)
		_ = CommandOf(set)
	})
	if allocs != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", allocs)
	}
}
