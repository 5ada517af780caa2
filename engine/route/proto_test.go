package route

import (
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/replica"
)

// TestProtoReplies pins the engine's own replies of each protocol to the
// table of docs/compat.md §8.5: "-ERR <source> <message>" for Redis, "SERVER_ERROR
// <source> <message>" for memcached.
func TestProtoReplies(t *testing.T) {
	redis, mc := newProto(0), newProto(1)
	f := func(p *proto, code replica.Code, want string) {
		t.Helper()
		if got := string(p.codeReply(code)); got != want {
			t.Fatalf("unexpected %s reply for %v; got %q; want %q", p.name, code, got, want)
		}
	}
	f(&redis, replica.StorageRefused, "-ERR Storage: Datastore refused connection\r\n")
	f(&redis, replica.PeerNotConnected, "-ERR Peer: Peer Node is not connected\r\n")
	f(&mc, replica.StorageRefused, "SERVER_ERROR Storage: Datastore refused connection\r\n")
	f(&mc, replica.PeerRefused, "SERVER_ERROR Peer: Peer Node refused connection\r\n")
	f(&mc, replica.NoQuorum, "SERVER_ERROR Dynomite: Failed to achieve Quorum\r\n")
	f(&mc, replica.Code(200), "SERVER_ERROR unknown: Unknown Error\r\n")
	if string(redis.tooManyMsgs) != string(resp.ReplyTooManyMsgs) {
		t.Fatalf("unexpected Redis reply %q", redis.tooManyMsgs)
	}
	// The input overflow reply of each protocol: engine/inbound, TestEnvReplies.
	// The two protocols say the same in their own error form.
	for _, pair := range [][2][]byte{
		{resp.ReplyTooManyMsgs, memcache.ReplyTooManyMsgs},
		{resp.ReplyInputOverflow, memcache.ReplyInputOverflow},
		{resp.ReplyBadMerge, memcache.ReplyBadMerge},
	} {
		r, m := strings.TrimPrefix(string(pair[0]), "-ERR "), strings.TrimPrefix(string(pair[1]), "SERVER_ERROR ")
		if r != m || r == string(pair[0]) || m == string(pair[1]) {
			t.Fatalf("unexpected pair of replies %q, %q", pair[0], pair[1])
		}
	}
	if string(mc.tooManyMsgs) != string(memcache.ReplyTooManyMsgs) || string(mc.badMerge) != string(memcache.ReplyBadMerge) {
		t.Fatalf("unexpected memcached replies %q, %q", mc.tooManyMsgs, mc.badMerge)
	}
}
