//go:build !race

package engine

import (
	"strings"
	"testing"
)

// mcRig is forwardRig for a memcached node: one round sends in from the
// client, checks that toServer reaches the datastore, answers with reply
// and checks that toClient reaches the client.
func mcRig(t testing.TB, in, toServer, reply, toClient string) (*Node, func()) {
	n, c, cfar, s, sfar := batchRig(t)
	sbuf := make([]byte, 2*len(toServer))
	cbuf := make([]byte, 2*len(toClient)+1)
	inb, replyb := []byte(in), []byte(reply)
	return n, func() {
		c.OnInput(inb)
		if got := drain(t, sfar, sbuf, len(toServer)); string(got) != toServer {
			t.Fatalf("unexpected bytes to memcached; got %q; want %q", got, toServer)
		}
		s.OnServerInput(replyb)
		if got := drain(t, cfar, cbuf, len(toClient)); string(got) != toClient {
			t.Fatalf("unexpected bytes to the client; got %q; want %q", got, toClient)
		}
	}
}

// TestAllocsMemcache pins the memcached forward path to zero allocations
// in steady state: pipelined gets, sets, a get of several keys, noreply
// and quiet requests (rewritten before forwarding, replies dropped);
// single-key gets are joined into one multi-key get (engine/outbound, memcache_batch.go).
// AllocsPerRun counts the whole process, so this file sorts before the
// tests that leave datastore processes and their watchers behind.
func TestAllocsMemcache(t *testing.T) {
	rep := strings.Repeat
	for _, tc := range []struct{ name, in, toServer, reply, toClient string }{
		{"16 gets, joined", rep("get key\r\n", 16), "get" + rep(" key", 16) + "\r\n",
			rep("VALUE key 0 5\r\nvalue\r\n", 16) + "END\r\n", rep("VALUE key 0 5\r\nvalue\r\nEND\r\n", 16)},
		{"16 gets, misses", rep("get key\r\n", 16), "get" + rep(" key", 16) + "\r\n",
			"END\r\n", rep("END\r\n", 16)},
		{"16 sets", rep("set key 0 0 5\r\nvalue\r\n", 16), rep("set key 0 0 5\r\nvalue\r\n", 16),
			rep("STORED\r\n", 16), rep("STORED\r\n", 16)},
		{"get of 3 keys", "get a b c\r\n", "get a b c\r\n",
			"VALUE a 0 1\r\nA\r\nVALUE c 0 1\r\nC\r\nEND\r\n", "VALUE a 0 1\r\nA\r\nVALUE c 0 1\r\nC\r\nEND\r\n"},
		{"noreply set, get", "set k 0 0 1 noreply\r\nx\r\nget k\r\n", "set k 0 0 1\r\nx\r\nget k\r\n",
			"STORED\r\nVALUE k 0 1\r\nx\r\nEND\r\n", "VALUE k 0 1\r\nx\r\nEND\r\n"},
		{"quiet mg, mn", "mg k v q\r\nmg m v q\r\nmn\r\n", "mg k v\r\nmg m v\r\nmn\r\n",
			"VA 1\r\nx\r\nEN\r\nMN\r\n", "VA 1\r\nx\r\nMN\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, round := mcRig(t, tc.in, tc.toServer, tc.reply, tc.toClient)
			round()
			allocs := testing.AllocsPerRun(500, round)
			if allocs != 0 {
				t.Fatalf("unexpected allocations per round; got %v; want 0", allocs)
			}
			if got := n.env.Inflight.Load(); got != 0 {
				t.Fatalf("unexpected msgs left in flight; got %d; want 0", got)
			}
		})
	}
}
