package memcache

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
)

// batchOf adds the single gets of keys to a new batch, "|" closing the
// line, and returns the batch and the bytes sent. The last line is closed.
func batchOf(keys ...string) (*GetBatch, string) {
	b := new(GetBatch)
	var out []byte
	for _, k := range keys {
		if k == "|" {
			out = b.Close(out)
			continue
		}
		out = b.Add(out, []byte(k))
	}
	return b, string(b.Close(out))
}

// cutStream feeds chunks of memcached's replies to b the way a connection
// does (bytes accumulate; Next is called while a key is pending and it
// does not say ErrIncomplete). It returns one "<reply> n=<n>" per key, then
// the error that ended the stream or "incomplete", and the bytes left (-1
// after an error: the connection is closed).
func cutStream(b *GetBatch, chunks [][]byte) (out []string, left int) {
	var buf []byte
	for _, c := range chunks {
		buf = append(buf, c...)
		for b.Pending() > 0 {
			reply, n, err := b.Next(buf)
			if err == ErrIncomplete {
				break
			}
			if err != nil {
				return append(out, "err="+err.Error()), -1 // connection closed
			}
			if n > len(buf) {
				panic(fmt.Sprintf("BUG: Next took %d of %d bytes", n, len(buf)))
			}
			out = append(out, fmt.Sprintf("%q n=%d", reply, n))
			buf = buf[n:]
		}
	}
	if b.Pending() > 0 {
		out = append(out, "incomplete")
	}
	return out, len(buf)
}

// checkCut cuts reply for the keys in every split mode and checks what each
// key gets: want[i] is the reply of the i-th key ("" for the error that
// must end the stream at that point).
func checkCut(t *testing.T, keys []string, wantSent, reply string, want ...string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(testSeed(), 5))
	for name, chunks := range splitModes([]byte(reply), rng) {
		b, sent := batchOf(keys...)
		if sent != wantSent {
			t.Fatalf("unexpected lines for %q; got %q; want %q", keys, sent, wantSent)
		}
		got, left := cutStream(b, chunks)
		var replies []string
		for _, g := range got {
			if g == "incomplete" || strings.HasPrefix(g, "err=") {
				replies = append(replies, "")
				break
			}
			r, _, _ := strings.Cut(g, " n=")
			var s string
			fmt.Sscanf(r, "%q", &s)
			replies = append(replies, s)
		}
		if strings.Join(replies, "|") != strings.Join(want, "|") || (want[len(want)-1] != "" && left != 0) {
			t.Fatalf("unexpected replies in %s mode (-seed=%d) for %q to %q;\ngot  %q (left %d)\nwant %q",
				name, testSeed(), reply, keys, got, left, want)
		}
	}
}

func TestGetBatch(t *testing.T) {
	const a, cc = "VALUE a 0 1\r\nA\r\n", "VALUE c 7 2\r\nCC\r\n"
	checkCut(t, []string{"a", "b", "a", "c"}, "get a b a c\r\n",
		a+a+cc+"END\r\n",
		a+"END\r\n", "END\r\n", a+"END\r\n", cc+"END\r\n")
	checkCut(t, []string{"a", "b"}, "get a b\r\n", // the last key a miss
		a+"END\r\n",
		a+"END\r\n", "END\r\n")
	checkCut(t, []string{"a", "b", "c"}, "get a b c\r\n", "END\r\n", "END\r\n", "END\r\n", "END\r\n")
	checkCut(t, []string{"a", "|", "b", "ab"}, "get a\r\nget b ab\r\n", // two lines
		"END\r\nVALUE ab 0 3\r\nxyz\r\nEND\r\n",
		"END\r\n", "END\r\n", "VALUE ab 0 3\r\nxyz\r\nEND\r\n")
	checkCut(t, []string{"a", "b"}, "get a b\r\n", // values that look like replies
		"VALUE a 0 18\r\nEND\r\nVALUE b 0 1\r\n\r\nVALUE b 1 5\r\nEND\r\n\r\nEND\r\n",
		"VALUE a 0 18\r\nEND\r\nVALUE b 0 1\r\n\r\nEND\r\n", "VALUE b 1 5\r\nEND\r\n\r\nEND\r\n")
	checkCut(t, []string{"a", "ab"}, "get a ab\r\n", // a key that is a prefix of the next
		"VALUE ab 0 1\r\nX\r\nEND\r\n",
		"END\r\n", "VALUE ab 0 1\r\nX\r\nEND\r\n")
	checkCut(t, []string{"k"}, "get k\r\n", "VALUE k 0 1 99\r\nX\r\nEND\r\n", "VALUE k 0 1 99\r\nX\r\nEND\r\n") // with a cas
}

// TestGetBatchBadReply checks that anything but VALUE blocks and END ends
// the stream with ErrBadReply, after the replies that were whole.
func TestGetBatchBadReply(t *testing.T) {
	keys := []string{"a", "b"}
	f := func(reply string, want ...string) {
		t.Helper()
		checkCut(t, keys, "get a b\r\n", reply, want...)
	}
	f("SERVER_ERROR out of memory writing get response\r\n", "")
	f("VALUE a 0 x\r\n", "")
	f("VALUE a 0 1\r\nAB\r\nEND\r\n", "")
	f("VALUE a 0 1\r\nA\r\nSTORED\r\n", "VALUE a 0 1\r\nA\r\nEND\r\n", "") // a's reply was whole
	f("VALUE a  0 1\r\nA\r\nEND\r\n", "")                                  // two spaces
	f("VALUE a 0 1\nA\r\nEND\r\n", "")                                     // no CR
	f("VALUE a 0 1 2 3\r\nA\r\nEND\r\n", "")                               // a token too many
	f("VALUE a 0\r\nA\r\nEND\r\n", "")                                     // no length
	f("VALUE a 0 99999999999\r\n", "")                                     // over memcached's int
	f("VALUE a 0 "+strings.Repeat("1", 400), "")                           // no end of line in sight
	f("ENX", "")
}

// TestGetBatchNextReply checks that a line's last key takes one END and
// no more: what follows is the next request's reply.
func TestGetBatchNextReply(t *testing.T) {
	b, _ := batchOf("a", "b")
	got, left := cutStream(b, [][]byte{[]byte("END\r\nEND\r\n")})
	if want := []string{`"END\r\n" n=0`, `"END\r\n" n=5`}; strings.Join(got, "|") != strings.Join(want, "|") || left != 5 {
		t.Fatalf("unexpected cut; got %q (left %d); want %q (left 5)", got, left, want)
	}
}

func TestGetBatchLimits(t *testing.T) {
	f := func(key string, count int, want string) {
		t.Helper()
		keys := make([]string, count)
		for i := range keys {
			keys[i] = key
		}
		b, got := batchOf(keys...)
		if got != want {
			t.Fatalf("unexpected lines for %d gets of a %d-byte key; got %q; want %q", count, len(key), got, want)
		}
		if b.Pending() != count {
			t.Fatalf("unexpected keys pending; got %d; want %d", b.Pending(), count)
		}
	}
	f("k", MaxBatchKeys+1, "get"+strings.Repeat(" k", MaxBatchKeys)+"\r\nget k\r\n")
	long := strings.Repeat("x", 250)
	n := (MaxBatchLine - len("get")) / (len(long) + 1)
	f(long, n+1, "get"+strings.Repeat(" "+long, n)+"\r\nget "+long+"\r\n")
}

func TestSingleGetKey(t *testing.T) {
	f := func(frame, want string, ok bool) {
		t.Helper()
		key, gotOK := SingleGetKey([]byte(frame))
		if string(key) != want || gotOK != ok {
			t.Fatalf("unexpected key of %q; got %q, %v; want %q, %v", frame, key, gotOK, want, ok)
		}
	}
	f("get k\r\n", "k", true)
	f("get "+strings.Repeat("x", 250)+"\r\n", strings.Repeat("x", 250), true)
	f("get "+strings.Repeat("x", 251)+"\r\n", "", false)
	f("get a b\r\n", "", false)
	f("get \r\n", "", false)
	f("get k\n", "", false)
	f("gets k\r\n", "", false)
	f("get k noreply\r\n", "", false)
	f("GET k\r\n", "", false)
}

func TestGetBatchReset(t *testing.T) {
	b, _ := batchOf("a", "b")
	var out []byte
	out = b.Add(out, []byte("c"))
	b.Reset()
	if b.Open() || b.Pending() != 0 {
		t.Fatalf("unexpected state after Reset; open %v, pending %d", b.Open(), b.Pending())
	}
	out = b.Close(out[:0])
	out = b.Add(out, []byte("d"))
	if got := string(b.Close(out)); got != "get d\r\n" {
		t.Fatalf("unexpected line after Reset; got %q", got)
	}
	if reply, n, err := b.Next([]byte("END\r\n")); string(reply) != "END\r\n" || n != 5 || err != nil {
		t.Fatalf("unexpected cut after Reset; got %q, %d, %v", reply, n, err)
	}
}

// fuzzKeys are the keys the batch fuzzers choose from: prefixes of one
// another, reply words, and long ones that fill a line.
var fuzzKeys = []string{"a", "ab", "b", "VALUE", "END", "a\r", strings.Repeat("k", 250), strings.Repeat("k", 249)}

// FuzzGetBatch joins the gets the input describes, answers the lines as
// memcached would from a store the input fills (values that look like
// replies included), and cuts the answer in every split mode. Each key
// must get exactly the reply a single get would have had, the lines must
// keep the limits and parse back as gets of the keys in order, and every
// byte must be consumed.
func FuzzGetBatch(f *testing.F) {
	for _, s := range []string{"\x00", "\x01\x02\x03", "\xff\x00\x10\x90\x09", "\x11\x16\x16\x16\x16\x16\x16\x16\x16\x16\x16", "\x07\x08\x08\x20"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		store := map[string]string{}
		for i, k := range fuzzKeys {
			if data[0]&(1<<i) != 0 {
				store[k] = []string{"", "x", "END\r\n", "VALUE a 0 1\r\nA\r\nEND\r\n", "\r\n"}[i%5]
			}
		}
		// Each byte: a get of key op&7; op&8 closes the line after it.
		ops := data[1:min(len(data), 1+MaxBatchKeys+16)] // enough to fill a line
		build := func() (*GetBatch, []byte) {
			b := new(GetBatch)
			var sent []byte
			for _, op := range ops {
				sent = b.Add(sent, []byte(fuzzKeys[op&7]))
				if op&8 != 0 {
					sent = b.Close(sent)
				}
			}
			return b, b.Close(sent)
		}
		// The lines the limits allow, and the keys in order.
		var lines [][]string
		var line, keys []string
		size := 0
		flush := func() {
			if len(line) > 0 {
				lines = append(lines, line)
			}
			line, size = nil, len("get")
		}
		flush()
		for _, op := range ops {
			k := fuzzKeys[op&7]
			if len(line) == MaxBatchKeys || size+1+len(k) > MaxBatchLine {
				flush()
			}
			line, size = append(line, k), size+1+len(k)
			keys = append(keys, k)
			if op&8 != 0 {
				flush()
			}
		}
		flush()
		_, sent := build()
		checkSentLines(t, sent, lines)
		// memcached's answer, and what single gets would have had.
		var reply []byte
		for _, l := range lines {
			for _, k := range l {
				if v, ok := store[k]; ok {
					reply = AppendValue(reply, []byte(k), 0, []byte(v))
				}
			}
			reply = append(reply, ReplyEnd...)
		}
		var want []string
		for _, k := range keys {
			w := "END\r\n"
			if v, ok := store[k]; ok {
				w = string(AppendValue(nil, []byte(k), 0, []byte(v))) + w
			}
			want = append(want, fmt.Sprintf("%q", w))
		}
		h := fnv.New64a()
		h.Write(data)
		rng := rand.New(rand.NewPCG(h.Sum64(), 6))
		for name, chunks := range splitModes(reply, rng) {
			b, _ := build()
			got, left := cutStream(b, chunks)
			if left != 0 || len(got) != len(keys) {
				t.Fatalf("unexpected cut in %s mode of %q for %q: %q, %d bytes left", name, reply, keys, got, left)
			}
			for i, g := range got {
				if r, _, _ := strings.Cut(g, " n="); r != want[i] {
					t.Fatalf("unexpected reply in %s mode for key %d %q of %q; got %s; want %s", name, i, keys[i], reply, r, want[i])
				}
			}
		}
	})
}

// checkSentLines checks that sent is the lines, each a get the parser reads
// back with its keys in order, within the batch limits.
func checkSentLines(t *testing.T, sent []byte, lines [][]string) {
	t.Helper()
	var want string
	for _, l := range lines {
		want += "get " + strings.Join(l, " ") + "\r\n"
	}
	if string(sent) != want {
		t.Fatalf("unexpected lines; got %q; want %q", sent, want)
	}
	var p Parser
	var r Request
	for buf := sent; len(buf) > 0; {
		n, err := p.Parse(buf, &r)
		if err != nil || r.Cmd != CmdGet || len(r.Keys) > MaxBatchKeys || n-2 > MaxBatchLine {
			t.Fatalf("unexpected line %q: n=%d err=%v cmd=%v keys=%d", buf, n, err, r.Cmd, len(r.Keys))
		}
		buf = buf[n:]
	}
}

// FuzzValueCut cuts arbitrary bytes as the answer to a line of gets. Every
// split mode must give the same replies, consumed bytes and final error;
// no cut takes more than it has; and every reply is a whole get reply for
// its key: END, or one VALUE block of that key and END.
func FuzzValueCut(f *testing.F) {
	for _, s := range []string{
		"\x02\x00\x01\x00VALUE a 0 1\r\nA\r\nVALUE a 0 1\r\nA\r\nEND\r\n",
		"\x01\x00\x02VALUE a 0 18\r\nEND\r\nVALUE b 0 1\r\n\r\nVALUE b 1 5\r\nEND\r\n\r\nEND\r\n",
		"\x00\x01VALUE ab 0 1 7\r\nX\r\nEND\r\n", "\x01\x00\x01SERVER_ERROR x\r\n", "\x00\x03VALUE VALUE 0 0\r\n\r\nEND\r\n",
		"\x01\x00\x00END\r\nEND\r\nEND\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		nk := 1 + int(data[0])%4
		if len(data) < 1+nk {
			return
		}
		var keys []string
		for _, c := range data[1 : 1+nk] {
			keys = append(keys, fuzzKeys[c&7])
		}
		reply := data[1+nk:]
		h := fnv.New64a()
		h.Write(data)
		rng := rand.New(rand.NewPCG(h.Sum64(), 7))
		b, _ := batchOf(keys...)
		want, wantLeft := cutStream(b, [][]byte{reply})
		for name, chunks := range splitModes(reply, rng) {
			b, _ := batchOf(keys...)
			got, left := cutStream(b, chunks)
			if strings.Join(got, "\n") != strings.Join(want, "\n") || left != wantLeft {
				t.Fatalf("unexpected cut in %s mode of %q for %q;\ngot  %q (left %d)\nwant %q (left %d)",
					name, reply, keys, got, left, want, wantLeft)
			}
		}
		checkCutReplies(t, keys, reply)
	})
}

// checkCutReplies cuts reply for keys and checks each reply on its own.
func checkCutReplies(t *testing.T, keys []string, reply []byte) {
	b, _ := batchOf(keys...)
	s := ReplyScanner{Limits: Limits{MaxValue: maxValueLen, MaxLine: 4096}}
	buf := reply
	for i := 0; b.Pending() > 0; i++ {
		got, n, err := b.Next(buf)
		if err != nil {
			return
		}
		if n > len(buf) {
			t.Fatalf("Next took %d of %d bytes", n, len(buf))
		}
		m, st, err := s.Scan(got, CmdGet)
		if err != nil || m != len(got) || st != StatusEnd {
			t.Fatalf("reply %q for key %q is not one get reply: n=%d/%d st=%v err=%v", got, keys[i], m, len(got), st, err)
		}
		if string(got) != "END\r\n" {
			// One VALUE block of the key, as it came, and END.
			key, block, ok := nextValue(got)
			if !ok || string(key) != keys[i] || len(block) != len(got)-len(ReplyEnd) ||
				!strings.HasPrefix(string(buf), string(block)) {
				t.Fatalf("unexpected reply for key %q; got %q from %q", keys[i], got, buf)
			}
		}
		buf = buf[n:]
	}
}
