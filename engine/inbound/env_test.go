package inbound

import (
	"testing"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
)

// TestEnvReplies checks that Init picks the replies and the request
// framing of the node's protocol, and bounds the two kinds' pipelines.
func TestEnvReplies(t *testing.T) {
	redis := Env{MaxPipeline: 7}
	redis.Init()
	if string(redis.inputOverflow) != string(resp.ReplyInputOverflow) {
		t.Fatalf("unexpected Redis input overflow reply %q", redis.inputOverflow)
	}
	mc := Env{Memcache: true}
	mc.Init()
	if string(mc.inputOverflow) != string(memcache.ReplyInputOverflow) {
		t.Fatalf("unexpected memcached input overflow reply %q", mc.inputOverflow)
	}
	if redis.Client.pipeline != 7 || redis.PeerIn.pipeline != MaxPeerPipeline || !redis.Client.Client || redis.PeerIn.Client {
		t.Fatalf("unexpected kinds: client %+v, peer %+v", redis.Client, redis.PeerIn)
	}
	if redis.cmdQuit == nil || redis.cmdConsistency == nil || redis.cmdPing == nil {
		t.Fatal("a command the accepted side handles itself is not in the command table")
	}
}
