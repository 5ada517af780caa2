package engine

import (
	"testing"

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
	if string(redis.tooManyMsgs) != string(replyTooManyMsgs) || string(redis.inputOverflow) != string(replyInputOverflow) {
		t.Fatalf("unexpected Redis replies %q, %q", redis.tooManyMsgs, redis.inputOverflow)
	}
	for _, tc := range []struct {
		m           mute
		reply, want string
	}{
		{muteAll, "STORED\r\n", ""},
		{muteAll, "SERVER_ERROR Storage: Datastore refused connection\r\n", ""},
		{muteHD, "HD\r\n", ""},
		{muteHD, "HD c123\r\n", ""},
		{muteHD, "EN\r\n", "EN\r\n"},
		{muteHD, "NS\r\n", "NS\r\n"},
		{muteHDEN, "EN\r\n", ""},
		{muteHDEN, "VA 1\r\nx\r\n", "VA 1\r\nx\r\n"},
		{muteHDEN, "HDX\r\n", "HDX\r\n"},
		{muteTooLarge, "DELETED\r\n", "SERVER_ERROR object too large for cache\r\n"},
		{muteNone, "STORED\r\n", "STORED\r\n"},
	} {
		if got := string(tc.m.apply([]byte(tc.reply))); got != tc.want {
			t.Fatalf("unexpected reply through mute %d of %q; got %q; want %q", tc.m, tc.reply, got, tc.want)
		}
	}
}
