package resp

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// store is a fake datastore that answers MGET, MSET, DEL, EXISTS, TOUCH
// and UNLINK requests, to check that split + merge equals the whole request.
type store map[string]string

func (s store) answer(args [][]byte) []byte {
	keys := args[1:]
	switch string(args[0]) {
	case "mget":
		out := AppendArray(nil, len(keys))
		for _, k := range keys {
			if v, ok := s[string(k)]; ok {
				out = AppendBulkString(out, v)
			} else {
				out = AppendNullBulk(out)
			}
		}
		return out
	case "mset":
		return append([]byte(nil), ReplyOK...)
	default: // counts
		n := 0
		for _, k := range keys {
			if _, ok := s[string(k)]; ok {
				n++
			}
		}
		return AppendInt(nil, int64(n))
	}
}

func TestSplitMergeRandom(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 1))
	var sp Split // reused on purpose
	for iter := 0; iter < 2000; iter++ {
		name := []string{"mget", "mset", "del", "exists", "touch", "unlink"}[rng.IntN(6)]
		nkeys := 1 + rng.IntN(40)
		owners := 1 + rng.IntN(12)
		st := store{}
		args := [][]byte{[]byte(name)}
		ownerOf := map[string]int{}
		for k := 0; k < nkeys; k++ {
			key := fmt.Sprintf("k%d", rng.IntN(60))
			args = append(args, []byte(key))
			if name == "mset" {
				args = append(args, []byte(fmt.Sprintf("v%d", k)))
			}
			if rng.IntN(2) == 0 {
				st[key] = "val-" + key
			}
			if _, ok := ownerOf[key]; !ok {
				ownerOf[key] = 100 + rng.IntN(owners)
			}
		}
		req := Request{Args: args, Cmd: LookupArgs(args)}
		buf, err := sp.Split([]byte("prefix"), &req, func(key []byte) int { return ownerOf[string(key)] })
		if err != nil {
			t.Fatalf("%s: unexpected error %v", name, err)
		}
		if string(buf[:6]) != "prefix" {
			t.Fatalf("Split overwrote the head of dst")
		}
		replies := checkParts(t, &sp, &req, ownerOf, st)
		got, err := sp.Merge([]byte("x"), replies)
		if err != nil {
			t.Fatalf("%s: unexpected merge error %v", name, err)
		}
		want := append([]byte("x"), st.answer(lowerName(args))...)
		if string(got) != string(want) {
			t.Fatalf("%s %q: unexpected merge;\ngot  %q\nwant %q", name, args, got, want)
		}
	}
}

// checkParts parses every part's frame, checks that it holds exactly its
// owner's keys in request order, and returns the store's replies.
func checkParts(t *testing.T, sp *Split, req *Request, ownerOf map[string]int, st store) [][]byte {
	t.Helper()
	c := req.Cmd
	seen := map[int]bool{}
	var replies [][]byte
	for _, part := range sp.Parts {
		if seen[part.Owner] {
			t.Fatalf("owner %d has two parts", part.Owner)
		}
		seen[part.Owner] = true
		var want [][]byte
		want = append(want, req.Args[0])
		for i := c.FirstKey; i < len(req.Args); i += c.Step {
			if ownerOf[string(req.Args[i])] == part.Owner {
				want = append(want, req.Args[i:i+c.Step]...)
			}
		}
		var p Parser
		var r Request
		n, err := p.Parse(part.Frame, &r)
		if err != nil || n != len(part.Frame) {
			t.Fatalf("cannot parse part frame %q: %d, %v", part.Frame, n, err)
		}
		if !slices.EqualFunc(r.Args, want, func(a, b []byte) bool { return string(a) == string(b) }) {
			t.Fatalf("unexpected part args; got %q; want %q", r.Args, want)
		}
		if part.Keys*c.Step != len(want)-1 {
			t.Fatalf("unexpected part key count %d", part.Keys)
		}
		replies = append(replies, st.answer(lowerName(r.Args)))
	}
	return replies
}

func lowerName(args [][]byte) [][]byte {
	out := slices.Clone(args)
	out[0] = lower(nil, args[0])
	return out
}

func TestSplitErrors(t *testing.T) {
	one := func([]byte) int { return 0 }
	f := func(args ...string) {
		t.Helper()
		var sp Split
		req := Request{Args: argsOf(args...), Cmd: LookupArgs(argsOf(args...))}
		if _, err := sp.Split(nil, &req, one); err != ErrNotSplittable {
			t.Fatalf("unexpected error for %q; got %v", args, err)
		}
	}
	f("mset", "a")
	f("mset", "a", "1", "b")
	f("mget")
	f("get", "a")
	f("foo", "a")
	f("blpop", "a", "b", "0")
}

func TestMergeReplies(t *testing.T) {
	owner := func(k []byte) int { return int(k[0]) }
	f := func(cmd []string, replies []string, want string, wantErr error) {
		t.Helper()
		var sp Split
		args := argsOf(cmd...)
		req := Request{Args: args, Cmd: LookupArgs(args)}
		if _, err := sp.Split(nil, &req, owner); err != nil {
			t.Fatal(err)
		}
		got, err := sp.Merge(nil, argsOf(replies...))
		if err != wantErr || string(got) != want {
			t.Fatalf("unexpected merge of %q; got %q, %v; want %q, %v", replies, got, err, want, wantErr)
		}
	}
	mget := []string{"mget", "a1", "b1", "a2"}
	f(mget, []string{"*2\r\n$1\r\nx\r\n$-1\r\n", "*1\r\n:5\r\n"}, "*3\r\n$1\r\nx\r\n:5\r\n$-1\r\n", nil)
	f(mget, []string{"*2\r\n$1\r\nx\r\n$-1\r\n", "-ERR down\r\n"}, "-ERR down\r\n", nil)
	f(mget, []string{"-ERR one\r\n", "-ERR two\r\n"}, "-ERR one\r\n", nil)
	f(mget, []string{"*1\r\n$1\r\nx\r\n", "*1\r\n:5\r\n"}, "", ErrBadSubReply)
	f(mget, []string{"+OK\r\n", "*1\r\n:5\r\n"}, "", ErrBadSubReply)
	f(mget, []string{"*2\r\n$1\r\nx\r\n"}, "", ErrBadSubReply)
	del := []string{"del", "a", "b", "c"}
	f([]string{"del", "a", "b", "a2"}, []string{":2\r\n", ":1\r\n"}, ":3\r\n", nil)
	f(del, []string{":1\r\n", ":0\r\n", ":1\r\n"}, ":2\r\n", nil)
	f(del, []string{":1\r\n", "+OK\r\n", ":1\r\n"}, "", ErrBadSubReply)
	f(del, []string{":1\r\n", ":x\r\n", ":1\r\n"}, "", ErrBadSubReply)
	f([]string{"mset", "a", "1", "b", "2"}, []string{"+OK\r\n", "+OK\r\n"}, "+OK\r\n", nil)
	f([]string{"mset", "a", "1", "b", "2"}, []string{"+OK\r\n", ":1\r\n"}, "", ErrBadSubReply)
}
