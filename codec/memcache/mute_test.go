package memcache

import (
	"bytes"
	"strings"
	"testing"
)

func TestMuteApply(t *testing.T) {
	for _, tc := range []struct {
		m           Mute
		reply, want string
	}{
		{MuteAll, "STORED\r\n", ""},
		{MuteAll, "SERVER_ERROR Storage: Datastore refused connection\r\n", ""},
		{MuteHD, "HD\r\n", ""},
		{MuteHD, "HD c123\r\n", ""},
		{MuteHD, "EN\r\n", "EN\r\n"},
		{MuteHD, "NS\r\n", "NS\r\n"},
		{MuteHDEN, "EN\r\n", ""},
		{MuteHDEN, "VA 1\r\nx\r\n", "VA 1\r\nx\r\n"},
		{MuteHDEN, "HDX\r\n", "HDX\r\n"},
		{MuteHDEN, "HD\n", ""},
		{MuteHDEN, "H", "H"},
		{MuteTooLarge, "DELETED\r\n", "SERVER_ERROR object too large for cache\r\n"},
		{MuteTooLarge, "NOT_FOUND\r\n", "SERVER_ERROR object too large for cache\r\n"},
		{MuteNone, "STORED\r\n", "STORED\r\n"},
		{MuteNone, "HD\r\n", "HD\r\n"},
	} {
		if got := string(tc.m.Apply([]byte(tc.reply))); got != tc.want {
			t.Fatalf("unexpected reply through mute %d of %q; got %q; want %q", tc.m, tc.reply, got, tc.want)
		}
	}
}

// TestMuteLoud parses a request, checks its mute, and what AppendLoud
// sends to memcached for it.
func TestMuteLoud(t *testing.T) {
	f := func(frame string, mute Mute, loud string) {
		t.Helper()
		var p Parser
		var r Request
		buf := []byte(frame)
		n, err := p.Parse(buf, &r)
		if err != nil || n != len(buf) {
			t.Fatalf("cannot parse %q: n=%d err=%v", frame, n, err)
		}
		if got := MuteOf(&r); got != mute {
			t.Fatalf("unexpected mute of %q; got %d; want %d", frame, got, mute)
		}
		if got := string(AppendLoud([]byte("x"), buf, &r)); got != "x"+loud {
			t.Fatalf("unexpected loud form of %q; got %q; want %q", frame, got[1:], loud)
		}
	}
	f("set k 0 0 1 noreply\r\nx\r\n", MuteAll, "set k 0 0 1\r\nx\r\n")
	f("set k 0 0 7\r\nnoreply\r\n", MuteNone, "set k 0 0 7\r\nnoreply\r\n")
	f("delete k noreply\r\n", MuteAll, "delete k\r\n")
	f("delete k 0 noreply\r\n", MuteAll, "delete k 0\r\n")
	f("incr k 5 noreply\r\n", MuteAll, "incr k 5\r\n")
	f("touch k 10 noreply\n", MuteAll, "touch k 10\r\n")
	f("md \r q\n", MuteHD, "md \r\r\n") // the key is "\r"
	f("mg k v q\r\n", MuteHDEN, "mg k v\r\n")
	f("mg k q v q\r\n", MuteHDEN, "mg k v\r\n")
	f("mg k qx v\r\n", MuteHDEN, "mg k v\r\n") // memcached reads the flag by its first byte
	f("ms k 1 q T0\r\nx\r\n", MuteHD, "ms k 1 T0\r\nx\r\n")
	f("md k q\r\n", MuteHD, "md k\r\n")
	f("ma k q N0\r\n", MuteHD, "ma k N0\r\n")
	f("mg q v\r\n", MuteNone, "mg q v\r\n") // the key q is no flag
	f("get k\r\n", MuteNone, "get k\r\n")
}

func TestAppendLoudPanicsOutsideFrame(t *testing.T) {
	var p Parser
	var r Request
	if _, err := p.Parse([]byte("delete k noreply\r\n"), &r); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("AppendLoud with a frame other than the parsed one did not panic")
		}
	}()
	AppendLoud(nil, []byte("delete k noreply\r\n"), &r)
}

func TestAppendUnlink(t *testing.T) {
	f := func(frame, want string) {
		t.Helper()
		p := Parser{Limits: Limits{MaxValue: 4}}
		var r Request
		if _, err := p.Parse([]byte(frame), &r); err != ErrTooLarge {
			t.Fatalf("unexpected parse of %q; got %v; want ErrTooLarge", frame, err)
		}
		if got := string(AppendUnlink(nil, &r)); got != want {
			t.Fatalf("unexpected unlink for %q; got %q; want %q", frame, got, want)
		}
	}
	f("set k 0 0 5\r\n", "delete k\r\n")
	f("set k 0 0 5 noreply\r\n", "delete k\r\n")
	f("ms k 5 T0\r\n", "md k\r\n")
	f("ms a2V5 5 b\r\n", "md a2V5 b\r\n")
}

// FuzzMute parses arbitrary requests and checks muting on each: the loud
// form parses back as the same command on the same keys, with neither
// noreply nor q, so memcached answers it; it differs from the frame only
// by the tokens taken out; and Apply either passes a reply, drops it, or
// (MuteTooLarge) replaces it with the too-large line, never anything else.
func FuzzMute(f *testing.F) {
	for _, s := range []string{
		"set k 0 0 1 noreply\r\nx\r\n", "delete k 0 noreply\r\n", "incr k 1 noreply\r\n", "mg k v q\r\n",
		"ms k 2 q b\r\nhi\r\n", "md k q q\r\n", "ma k qq\r\n", "touch k 1 noreply\r\n", "verbosity 1 noreply\r\n",
		"cas k 0 0 1 2 noreply\r\nx\r\n", "get k\r\n", "mn\r\n", "me k q\r\n", "flush_all noreply\r\n",
	} {
		f.Add([]byte(s), []byte("HD\r\n"))
	}
	f.Add([]byte("mg k q\r\n"), []byte("EN\r\n"))
	lim := Limits{MaxValue: 1 << 12, MaxLine: 256, MaxKeys: 64}
	f.Fuzz(func(t *testing.T, data, reply []byte) {
		p := Parser{Limits: lim}
		var r, again Request
		for buf := data; len(buf) > 0; {
			n, err := p.Parse(buf, &r)
			if err != nil {
				break
			}
			checkMute(t, lim, buf[:n], &r, &again)
			checkApply(t, MuteOf(&r), reply)
			buf = buf[n:]
		}
		for m := MuteNone; m <= MuteTooLarge+1; m++ {
			checkApply(t, m, reply)
		}
	})
}

// checkMute checks the loud form of the request r parsed from frame.
func checkMute(t *testing.T, lim Limits, frame []byte, r, again *Request) {
	mute := MuteOf(r)
	loud := AppendLoud(nil, frame, r)
	if mute == MuteNone {
		if !bytes.Equal(loud, frame) {
			t.Fatalf("AppendLoud changed %q without a mute: %q", frame, loud)
		}
		return
	}
	p := Parser{Limits: lim}
	n, err := p.Parse(loud, again)
	if err != nil || n != len(loud) {
		t.Fatalf("loud form %q of %q does not parse: n=%d err=%v", loud, frame, n, err)
	}
	if again.NoReply || again.Quiet || MuteOf(again) != MuteNone {
		t.Fatalf("loud form %q of %q is still muted", loud, frame)
	}
	if again.Cmd != r.Cmd || strings.Join(bytesToStrings(again.Keys), " ") != strings.Join(bytesToStrings(r.Keys), " ") ||
		!bytes.Equal(again.Value, r.Value) {
		t.Fatalf("loud form %q of %q is another request", loud, frame)
	}
	// The loud form is the frame with whole tokens taken out, its line
	// ending with "\r\n".
	want := len(frame)
	if eol := bytes.IndexByte(frame, '\n'); eol == 0 || frame[eol-1] != '\r' {
		want++
	}
	if r.NoReply {
		want -= 1 + len(r.Tokens[len(r.Tokens)-1])
	}
	for _, f := range r.MetaFlags() {
		if f[0] == 'q' {
			want -= 1 + len(f)
		}
	}
	if len(loud) != want {
		t.Fatalf("loud form %q of %q: %d bytes; want %d", loud, frame, len(loud), want)
	}
}

// checkApply checks what a client may see of reply through m.
func checkApply(t *testing.T, m Mute, reply []byte) {
	if len(reply) == 0 {
		return
	}
	got := m.Apply(reply)
	switch {
	case got == nil:
		if m == MuteNone || m == MuteTooLarge {
			t.Fatalf("mute %d dropped %q", m, reply)
		}
	case m == MuteTooLarge:
		if !bytes.Equal(got, ErrTooLarge.Reply()) {
			t.Fatalf("mute %d gave %q for %q", m, got, reply)
		}
	case &got[0] != &reply[0] || len(got) != len(reply):
		t.Fatalf("mute %d changed %q into %q", m, reply, got)
	case m == MuteAll:
		t.Fatalf("mute %d passed %q", m, reply)
	}
}

func bytesToStrings(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}
