package dedicated

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/dynomite-go/dynomite/codec/resp"
)

func args(s ...string) [][]byte {
	a := make([][]byte, len(s))
	for i, x := range s {
		a[i] = []byte(x)
	}
	return a
}

func TestPopWrite(t *testing.T) {
	f := func(req []string, reply, want, wantKey string) {
		t.Helper()
		fx := popFixup(args(req...))
		if fx.kind != fixPop {
			t.Fatalf("unexpected fixup of %q; got kind %d", req, fx.kind)
		}
		frame, key := popWrite(nil, fx.args, []byte(reply))
		if string(frame) != want || string(key) != wantKey {
			t.Fatalf("unexpected write for %q and %q; got %q on %q; want %q on %q", req, reply, frame, key, want, wantKey)
		}
	}
	cmd := func(s ...string) string { return string(resp.AppendCommand(nil, args(s...)...)) }
	f([]string{"BLPOP", "a", "b", "0"}, "*2\r\n$1\r\nb\r\n$1\r\nx\r\n", cmd("lpop", "b"), "b")
	f([]string{"brpop", "a", "0"}, "*2\r\n$1\r\na\r\n$1\r\nx\r\n", cmd("rpop", "a"), "a")
	f([]string{"BLPOP", "a", "0"}, "*-1\r\n", "", "")
	f([]string{"BZPOPMAX", "z", "0"}, "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n3\r\n", cmd("zrem", "z", "m"), "z")
	f([]string{"BLMOVE", "s", "d", "LEFT", "RIGHT", "0"}, "$1\r\nx\r\n", cmd("lmove", "s", "d", "LEFT", "RIGHT"), "s")
	f([]string{"BLMOVE", "s", "d", "LEFT", "RIGHT", "0"}, "$-1\r\n", "", "")
	f([]string{"BRPOPLPUSH", "s", "d", "0"}, "$1\r\nx\r\n", cmd("rpoplpush", "s", "d"), "s")
	f([]string{"BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "5"}, "*2\r\n$1\r\nb\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n", cmd("rpop", "b", "2"), "b")
	f([]string{"BZMPOP", "0", "1", "z", "MIN", "COUNT", "2"}, "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", cmd("zrem", "z", "a", "b"), "z")
	f([]string{"BLPOP", "a", "0"}, "-ERR wrong\r\n", "", "")
	if fx := popFixup(args("XREAD", "BLOCK", "0", "STREAMS", "s", "$")); fx.kind != fixNone {
		t.Fatalf("XREAD must not be replicated")
	}
}

func TestSubState(t *testing.T) {
	var ss subState
	ss.queue(kindChannel, false, 2)
	ss.queue(kindPattern, false, 1)
	ss.confirm([]byte("a"), false)
	ss.confirm([]byte("b"), false)
	ss.confirm([]byte("p*"), false)
	if len(ss.q) != 0 || len(ss.names[kindChannel]) != 2 {
		t.Fatalf("unexpected state after subscribing; got %+v", ss)
	}
	ss.queue(kindChannel, true, 0) // UNSUBSCRIBE: one confirmation per channel
	ss.confirm([]byte("a"), false)
	if len(ss.q) != 1 {
		t.Fatalf("unsubscribe done after one of two confirmations")
	}
	ss.confirm([]byte("b"), false)
	if !ss.active() || len(ss.q) != 0 {
		t.Fatalf("unexpected state; got %+v", ss)
	}
	ss.queue(kindPattern, true, 0)
	ss.confirm([]byte("p*"), false)
	ss.queue(kindShard, true, 0) // none: one confirmation with a null name
	ss.confirm(nil, true)
	if ss.active() {
		t.Fatalf("still active after every unsubscribe; got %+v", ss)
	}
	if ss.confirm([]byte("x"), false) {
		t.Fatalf("a confirmation without a command was taken")
	}
}

func TestTxTake(t *testing.T) {
	var cs commands
	cs.init()
	var tx txState
	lim := Limits{MaxQueued: 3, MaxTxBytes: 1 << 20}
	set, get := resp.Lookup([]byte("set")), resp.Lookup([]byte("get"))
	if !tx.add(set, args("SET", "k", "v"), lim) || !tx.add(get, args("GET", "k"), lim) {
		t.Fatal("a short transaction refused")
	}
	f := tx.take(lim)
	want := "*7\r\n$4\r\nEVAL\r\n$" + strconv.Itoa(len(txScript)) + "\r\n" + txScript + "\r\n$1\r\n0\r\n$1\r\n3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
	if f.kind != fixExec || string(f.data) != want || string(f.key) != "k" {
		t.Fatalf("unexpected EXEC fixup; got %q on %q; want %q", f.data, f.key, want)
	}
	tx.reset()
	for i := 0; i < 3; i++ {
		tx.add(get, args("GET", "k"), lim)
	}
	if tx.add(set, args("SET", "k", "v"), lim) || tx.take(lim).kind != fixNone {
		t.Fatal("a transaction past MaxQueued is not refused")
	}
}

// FuzzPopWrite: any reply gives a well-formed write or none, never a panic.
func FuzzPopWrite(f *testing.F) {
	f.Add("blpop", "*2\r\n$1\r\nb\r\n$1\r\nx\r\n")
	f.Add("bzmpop", "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n")
	f.Add("blmpop", "*2\r\n$1\r\nb\r\n*1\r\n$1\r\nx\r\n")
	f.Add("bzpopmin", "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n3\r\n")
	f.Fuzz(func(t *testing.T, name, reply string) {
		req := args(name, "0", "1", "k", "LEFT", "RIGHT", "COUNT", "2")
		fx := popFixup(req)
		if fx.kind != fixPop {
			return
		}
		frame, _ := popWrite(nil, fx.args, []byte(reply))
		if frame == nil {
			return
		}
		var p resp.Parser
		var r resp.Request
		if n, err := p.Parse(frame, &r); err != nil || n != len(frame) {
			t.Fatalf("unparsable write %q: %v", frame, err)
		}
		if !bytes.Contains(frame, []byte("\r\n")) {
			t.Fatalf("unexpected write %q", frame)
		}
	})
}
