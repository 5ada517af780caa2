package memcache

import (
	"fmt"
	"strings"
	"testing"
)

// ownerByFirstByte puts a key on the owner named by its first byte's parity
// or, for keys "0x".."9x", on the digit.
func ownerByFirstByte(key []byte) int {
	if c := key[0]; c >= '0' && c <= '9' {
		return int(c - '0')
	}
	return int(key[0] & 1)
}

func mustParse(t testing.TB, input string) *Request {
	t.Helper()
	var p Parser
	r := new(Request)
	n, err := p.Parse([]byte(input), r)
	if err != nil || n != len(input) {
		t.Fatalf("cannot parse %q: n=%d err=%v", input, n, err)
	}
	return r
}

func TestSplit(t *testing.T) {
	var s Splitter
	f := func(input string, want ...string) {
		t.Helper()
		r := mustParse(t, input)
		var got []string
		frags := s.Split(r, ownerByFirstByte)
		for i := range frags {
			got = append(got, fmt.Sprintf("%d:%s", frags[i].Owner, AppendFragment(nil, r, &frags[i])))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("unexpected fragments for %q;\ngot  %q\nwant %q", input, got, want)
		}
	}
	f("get a\r\n", "1:get a\r\n")
	f("get a b c d\r\n", "1:get a c\r\n", "0:get b d\r\n")
	f("gets b a b\r\n", "0:gets b b\r\n", "1:gets a\r\n")
	f("gat 100 2x 1x 2y\r\n", "2:gat 100 2x 2y\r\n", "1:gat 100 1x\r\n")
	f("gats -1 a\r\n", "1:gats -1 a\r\n")
	f("gat 10\r\n")
}

func TestMerge(t *testing.T) {
	var s Splitter
	f := func(input string, replies []string, want string, wantErr error) {
		t.Helper()
		r := mustParse(t, input)
		frags := s.Split(r, ownerByFirstByte)
		if len(frags) != len(replies) {
			t.Fatalf("unexpected fragment count for %q; got %d; want %d", input, len(frags), len(replies))
		}
		reps := make([][]byte, len(replies))
		for i, rep := range replies {
			reps[i] = []byte(rep)
		}
		got, err := s.Merge([]byte("prefix:"), r, reps)
		if err != wantErr || string(got) != "prefix:"+want {
			t.Fatalf("unexpected merge of %q for %q;\ngot  %q, %v\nwant %q, %v", replies, input, got, err, "prefix:"+want, wantErr)
		}
	}
	va := "VALUE a 0 1\r\nA\r\n"
	vb := "VALUE b 0 1\r\nB\r\n"
	vc := "VALUE c 0 1\r\nC\r\n"
	vd := "VALUE d 0 2\r\nDD\r\n"
	f("get a b c d\r\n", []string{va + vc + "END\r\n", vb + vd + "END\r\n"}, va+vb+vc+vd+"END\r\n", nil)
	f("get a b c d\r\n", []string{vc + "END\r\n", vd + "END\r\n"}, vc+vd+"END\r\n", nil)
	f("get a b c d\r\n", []string{"END\r\n", "END\r\n"}, "END\r\n", nil)
	f("get a b a\r\n", []string{va + va + "END\r\n", vb + "END\r\n"}, va+vb+va+"END\r\n", nil)
	f("get a b a\r\n", []string{va + "END\r\n", "END\r\n"}, va+"END\r\n", nil)
	// The first failed fragment is the reply.
	f("get a b\r\n", []string{va + "END\r\n", "SERVER_ERROR Peer: Peer Node is not connected\r\n"},
		"SERVER_ERROR Peer: Peer Node is not connected\r\n", nil)
	f("get a b\r\n", []string{"ERROR\r\n", "SERVER_ERROR x\r\n"}, "ERROR\r\n", nil)
	f("get a b\r\n", []string{va + "SERVER_ERROR out of memory\r\n", vb + "END\r\n"}, "SERVER_ERROR out of memory\r\n", nil)
	// Replies that do not fit the request.
	f("gat 10\r\n", nil, "END\r\n", nil)
	f("get a b\r\n", []string{vc + "END\r\n", "END\r\n"}, "", ErrBadReply)
	f("get a b\r\n", []string{va + "END\r\nEND\r\n", "END\r\n"}, "", ErrBadReply)
	f("get a b\r\n", []string{"STORED\r\n", "END\r\n"}, "", ErrBadReply)
	f("get a b\r\n", []string{"VALUE a 0 5\r\nA\r\nEND\r\n", "END\r\n"}, "", ErrBadReply)
	f("gets a b\r\n", []string{"VALUE a 0 1 77\r\nA\r\nEND\r\n", "VALUE b 3 0 78\r\n\r\nEND\r\n"},
		"VALUE a 0 1 77\r\nA\r\nVALUE b 3 0 78\r\n\r\nEND\r\n", nil)
}

func TestMergeManyOwners(t *testing.T) {
	// More owners than the stack array holds, one key each, every other missing.
	var b strings.Builder
	b.WriteString("get")
	owner := func(key []byte) int { return int(key[1]) }
	var replies [][]byte
	var want []byte
	for i := 0; i < 40; i++ {
		key := []byte{'k', byte('A' + i)}
		b.WriteString(" " + string(key))
		rep := ReplyEnd
		if i%2 == 0 {
			rep = AppendValue(nil, key, uint64(i), []byte("v"))
			want = append(want, rep...)
			rep = append(rep, ReplyEnd...)
		}
		replies = append(replies, rep)
	}
	want = append(want, ReplyEnd...)
	r := mustParse(t, b.String()+"\r\n")
	var s Splitter
	if n := len(s.Split(r, owner)); n != 40 {
		t.Fatalf("unexpected fragment count; got %d; want 40", n)
	}
	got, err := s.Merge(nil, r, replies)
	if err != nil || string(got) != string(want) {
		t.Fatalf("unexpected merge; got %q, %v; want %q", got, err, want)
	}
}

func TestEncoders(t *testing.T) {
	f := func(got []byte, want string) {
		t.Helper()
		if string(got) != want {
			t.Fatalf("unexpected encoding; got %q; want %q", got, want)
		}
	}
	f(AppendServerError(nil, "Peer:", "Peer Node is not connected"), "SERVER_ERROR Peer: Peer Node is not connected\r\n")
	f(AppendServerError([]byte("x"), "Dynomite:", "Failed to achieve Quorum"), "xSERVER_ERROR Dynomite: Failed to achieve Quorum\r\n")
	f(AppendClientError(nil, "bad data chunk"), "CLIENT_ERROR bad data chunk\r\n")
	f(AppendValue(nil, []byte("k"), 5, []byte("ab")), "VALUE k 5 2\r\nab\r\n")
	f(AppendValueCas(nil, []byte("k"), 0, nil, 99), "VALUE k 0 0 99\r\n\r\n")
	f(AppendRetrieval(nil, CmdGets, nil, [][]byte{[]byte("a"), []byte("b")}), "gets a b\r\n")
	f(AppendRetrieval(nil, CmdGat, []byte("10"), [][]byte{[]byte("a")}), "gat 10 a\r\n")
	f(AppendRequest(nil, mustParse(t, "  set a 1  2 3 noreply\r\nabc\r\n")), "set a 1 2 3 noreply\r\nabc\r\n")
	f(AppendRequest(nil, mustParse(t, "mg a v k\n")), "mg a v k\r\n")
	f(ErrBadDataChunk.Reply(), "CLIENT_ERROR bad data chunk\r\n")
	f([]byte(ErrTooLarge.Error()), "memcache: SERVER_ERROR object too large for cache")
	f(ErrUnknownCommand.Reply(), string(ReplyError))
}

func TestCommandTable(t *testing.T) {
	for c := CmdGet; c < numCommands; c++ {
		if got := Lookup([]byte(c.String())); got != c {
			t.Fatalf("unexpected Lookup(%q); got %v; want %v", c.String(), got, c)
		}
		if c.Is(FlagRead) && c.Is(FlagWrite) {
			t.Fatalf("command %v is both read and write", c)
		}
		if (c.FirstKey() == 0) != c.Is(FlagNoKey) {
			t.Fatalf("command %v: FirstKey %d disagrees with FlagNoKey", c, c.FirstKey())
		}
	}
	for _, name := range []string{"", "g", "GET", "stats", "flush_all", "getx", "verbosityx"} {
		if got := Lookup([]byte(name)); got != CmdUnknown {
			t.Fatalf("unexpected Lookup(%q); got %v; want unknown", name, got)
		}
	}
	if s := Command(200).String(); s != "unknown" {
		t.Fatalf("unexpected String of an out-of-range command; got %q", s)
	}
	for s := StatusUnknown; s <= numStatuses; s++ {
		if s.String() == "" {
			t.Fatalf("empty String for status %d", s)
		}
	}
}
