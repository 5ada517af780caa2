package engine

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/outbound"
)

// TestMemcacheGetBatch drives joined gets through a memcached node (the
// socketpair rig): what memcached receives, and what the client gets back
// when memcached's replies arrive cut at every byte position, are what
// single gets would have given.
func TestMemcacheGetBatch(t *testing.T) {
	for _, tc := range []struct{ name, in, toServer, reply, toClient string }{
		{"hits, a miss and a key twice",
			"get a\r\nget b\r\nget a\r\nget c\r\n", "get a b a c\r\n",
			"VALUE a 0 1\r\nA\r\nVALUE a 0 1\r\nA\r\nVALUE c 7 2\r\nCC\r\nEND\r\n",
			"VALUE a 0 1\r\nA\r\nEND\r\nEND\r\nVALUE a 0 1\r\nA\r\nEND\r\nVALUE c 7 2\r\nCC\r\nEND\r\n"},
		{"the last key a miss",
			"get a\r\nget b\r\n", "get a b\r\n",
			"VALUE a 0 1\r\nA\r\nEND\r\n",
			"VALUE a 0 1\r\nA\r\nEND\r\nEND\r\n"},
		{"all misses",
			"get a\r\nget b\r\nget c\r\n", "get a b c\r\n",
			"END\r\n",
			"END\r\nEND\r\nEND\r\n"},
		{"another command ends a line",
			"get a\r\nset x 0 0 1\r\n1\r\nget b\r\nget ab\r\n", "get a\r\nset x 0 0 1\r\n1\r\nget b ab\r\n",
			"END\r\nSTORED\r\nVALUE ab 0 3\r\nxyz\r\nEND\r\n",
			"END\r\nSTORED\r\nEND\r\nVALUE ab 0 3\r\nxyz\r\nEND\r\n"},
		{"values that look like replies",
			"get a\r\nget b\r\n", "get a b\r\n",
			"VALUE a 0 18\r\nEND\r\nVALUE b 0 1\r\n\r\nVALUE b 1 5\r\nEND\r\n\r\nEND\r\n",
			"VALUE a 0 18\r\nEND\r\nVALUE b 0 1\r\n\r\nEND\r\nVALUE b 1 5\r\nEND\r\n\r\nEND\r\n"},
		{"a get of several keys is sent as it is",
			"get a\r\nget b c\r\nget d\r\n", "get a\r\nget b c\r\nget d\r\n",
			"END\r\nVALUE c 0 1\r\nC\r\nEND\r\nEND\r\n",
			"END\r\nVALUE c 0 1\r\nC\r\nEND\r\nEND\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for cut := 0; cut <= len(tc.reply); cut++ {
				batchRound(t, tc.in, tc.toServer, tc.toClient, tc.reply[:cut], tc.reply[cut:])
			}
			// One byte at a time.
			var parts []string
			for i := range tc.reply {
				parts = append(parts, tc.reply[i:i+1])
			}
			batchRound(t, tc.in, tc.toServer, tc.toClient, parts...)
		})
	}
}

// TestMemcacheGetBatchLimits checks that a line takes at most
// memcache.MaxBatchKeys keys and memcache.MaxBatchLine bytes.
func TestMemcacheGetBatchLimits(t *testing.T) {
	f := func(key string, count int, want string) {
		t.Helper()
		n, c, _, s, _ := batchRig(t)
		frame := []byte("get " + key + "\r\n")
		var msgs []*msg.Msg
		s.Mu.Lock()
		s.Out = n.env.Bufs.Get()
		for i := 0; i < count; i++ {
			m := n.msgs.Acquire(c)
			m.Cmd = uint8(memcache.CommandOf(frame))
			s.AppendMemcache(frame, m)
			msgs = append(msgs, m)
		}
		got := string(s.TakeOut().B)
		s.ResetGetBatch()
		s.Mu.Unlock()
		for _, m := range msgs {
			m.Release()
		}
		if got != want {
			t.Fatalf("unexpected lines for %d gets of a %d-byte key; got %q; want %q", count, len(key), got, want)
		}
	}
	f("k", memcache.MaxBatchKeys+1, "get"+strings.Repeat(" k", memcache.MaxBatchKeys)+"\r\nget k\r\n")
	long := strings.Repeat("x", 250) // memcached's longest key
	n := (memcache.MaxBatchLine - len("get")) / (len(long) + 1)
	f(long, n+1, "get"+strings.Repeat(" "+long, n)+"\r\nget "+long+"\r\n")
	f(long+"y", 2, strings.Repeat("get "+long+"y\r\n", 2)) // too long to join
}

// TestMemcacheGetBatchBadReply checks that a reply other than VALUE blocks
// and END to a joined get closes the datastore connection and answers every
// request of the line with an error, never a hang nor a guess.
func TestMemcacheGetBatchBadReply(t *testing.T) {
	for _, tc := range []struct{ bad, want string }{
		{"SERVER_ERROR out of memory writing get response\r\n", "SERVER_ERROR "},
		{"VALUE a 0 x\r\n", "SERVER_ERROR "},
		{"VALUE a 0 1\r\nAB\r\nEND\r\n", "SERVER_ERROR "},
		{"VALUE a 0 1\r\nA\r\nSTORED\r\n", "VALUE a 0 1\r\nA\r\nEND\r\nSERVER_ERROR "}, // a's reply was whole
	} {
		bad := tc.bad
		n, c, cfar, s, sfar := batchRig(t)
		c.OnInput([]byte("get a\r\nget b\r\n"))
		if got := drainWithin(t, sfar, len("get a b\r\n")); got != "get a b\r\n" {
			t.Fatalf("unexpected bytes to memcached; got %q", got)
		}
		s.OnServerInput([]byte(bad))
		if !s.St.Failed.Load() {
			t.Fatalf("the datastore conn is not closing after %q", bad)
		}
		s.OnClose() // what the poller runs once the socket is shut
		if got := drainWithin(t, cfar, len(tc.want)); got != tc.want {
			t.Fatalf("unexpected reply after %q; got %q; want %q", bad, got, tc.want)
		}
		deadline := time.Now().Add(5 * time.Second)
		for n.env.Inflight.Load() != 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := n.env.Inflight.Load(); got != 0 {
			t.Fatalf("msgs left in flight after %q; got %d", bad, got)
		}
	}
}

// batchRig is rigConns for a node in front of memcached.
func batchRig(t testing.TB) (*Node, *accepted, int, *outbound.Conn, int) {
	t.Helper()
	cfg := testConfig("127.0.0.1:1")
	cfg.Pool.DataStore = 1
	return rigConns(t, Options{Config: cfg})
}

// batchRound sends in from a new client, checks what reaches memcached,
// feeds the reply in parts and checks what reaches the client.
func batchRound(t *testing.T, in, toServer, toClient string, reply ...string) {
	t.Helper()
	n, c, cfar, s, sfar := batchRig(t)
	c.OnInput([]byte(in))
	if got := drainWithin(t, sfar, len(toServer)); got != toServer {
		t.Fatalf("unexpected bytes to memcached; got %q; want %q", got, toServer)
	}
	for _, p := range reply {
		s.OnServerInput([]byte(p))
	}
	if got := drainWithin(t, cfar, len(toClient)); got != toClient {
		t.Fatalf("unexpected bytes to the client for replies cut as %q; got %q; want %q", reply, got, toClient)
	}
	if got := n.env.Inflight.Load(); got != 0 {
		t.Fatalf("unexpected msgs left in flight; got %d; want 0", got)
	}
}

// drainWithin reads want bytes from fd, failing the test after 5 seconds.
func drainWithin(t *testing.T, fd, want int) string {
	t.Helper()
	tv := syscall.NsecToTimeval(int64(5 * time.Second))
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, want)
	got := 0
	for got < want {
		n, err := syscall.Read(fd, buf[got:])
		if err != nil || n == 0 {
			t.Fatalf("read %d of %d bytes (%q): %v", got, want, buf[:got], err)
		}
		got += n
	}
	return string(buf)
}
