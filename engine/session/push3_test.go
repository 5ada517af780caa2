package session_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/session"
)

// frames reads whole frames of any RESP3 type, keeping what follows.
type frames struct {
	c   net.Conn
	buf []byte
	sc  resp.ReplyScanner
}

func (f *frames) send(t *testing.T, args ...string) {
	t.Helper()
	bs := make([][]byte, len(args))
	for i := range args {
		bs[i] = []byte(args[i])
	}
	if _, err := f.c.Write(resp.AppendCommand(nil, bs...)); err != nil {
		t.Fatal(err)
	}
}

func (f *frames) next(t *testing.T) []byte {
	t.Helper()
	_ = f.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	chunk := make([]byte, 4096)
	for i := 0; i < 1000; i++ {
		if n, err := f.sc.Scan(f.buf); err == nil {
			out := append([]byte(nil), f.buf[:n]...)
			f.buf = f.buf[n:]
			return out
		} else if len(f.buf) > 0 && !errors.Is(err, resp.ErrIncomplete) {
			t.Fatal(err)
		}
		k, err := f.c.Read(chunk)
		if err != nil {
			t.Fatal(err)
		}
		f.buf = append(f.buf, chunk[:k]...)
	}
	t.Fatal("no whole frame")
	return nil
}

// TestPush3LikeRedis: the frames a RESP2 subscriber of a real
// redis-server gets, converted by AppendPush3, equal what a RESP3
// subscriber of the same server gets.
func TestPush3LikeRedis(t *testing.T) {
	r := enginetest.Redis(t)
	pub := enginetest.DialTB(t, r.Addr)
	dial := func() *frames {
		c, err := net.DialTimeout("tcp", r.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return &frames{c: c}
	}
	two, three := dial(), dial()
	three.send(t, "HELLO", "3")
	three.next(t)
	type step struct {
		cmd              []string // sent by both subscribers; nil: PUBLISH
		pushed, subbed   bool
		framesPerCommand int
	}
	for _, st := range []step{
		{[]string{"SUBSCRIBE", "ch", "other"}, true, true, 2},
		{[]string{"PSUBSCRIBE", "c*"}, true, true, 1},
		{nil, true, true, 2}, // a message and a pmessage per subscriber
		{[]string{"PING"}, false, true, 1},
		{[]string{"PING", "hello"}, false, true, 1},
		{[]string{"UNSUBSCRIBE"}, true, true, 2},
		{[]string{"PUNSUBSCRIBE"}, true, true, 1},
		{[]string{"UNSUBSCRIBE"}, true, false, 1}, // no channel: a null name
		{[]string{"GET", "nokey"}, false, false, 1},
	} {
		if st.cmd == nil {
			if _, err := pub.Do("PUBLISH", "ch", "hi"); err != nil {
				t.Fatal(err)
			}
		} else {
			two.send(t, st.cmd...)
			three.send(t, st.cmd...)
		}
		for k := 0; k < st.framesPerCommand; k++ {
			f2, want := two.next(t), three.next(t)
			got, err := session.AppendPush3(nil, f2, st.pushed, st.subbed)
			if err != nil || string(got) != string(want) {
				t.Fatalf("%v frame %d: got %q %v; want %q (RESP2 %q)", st.cmd, k, got, err, want, f2)
			}
		}
	}
}

func FuzzAppendPush3(f *testing.F) {
	f.Add([]byte("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"), true, true)
	f.Add([]byte("*2\r\n$4\r\npong\r\n$0\r\n\r\n"), false, true)
	f.Add([]byte("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"), true, false)
	f.Fuzz(func(t *testing.T, b []byte, pushed, subbed bool) {
		out, err := session.AppendPush3(nil, b, pushed, subbed)
		if err != nil && len(out) != 0 {
			t.Fatalf("output %q with error %v", out, err)
		}
	})
}
