package e2e

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// TestUnixSockets runs a node that listens on a Unix socket and reaches its
// Redis over another one.
func TestUnixSockets(t *testing.T) {
	redis := enginetest.RedisWith(t, enginetest.RedisOptions{Unix: true})
	cfg, err := enginetest.SingleNode(redis)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Servers = []string{redis.Socket + ":1"}
	cfg.Listen = filepath.Join(filepath.Dir(redis.Socket), "node.sock")
	node := enginetest.Node(t, cfg)
	if node.Socket != cfg.Listen {
		t.Fatalf("unexpected node socket; got %q; want %q", node.Socket, cfg.Listen)
	}
	c := enginetest.DialTB(t, node.Socket)
	for i := 0; i < 100; i++ {
		c.Send("SET", fmt.Sprint("u:", i), fmt.Sprint(i))
		c.Send("GET", fmt.Sprint("u:", i))
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		r, err := c.Read()
		replyIs(t, "SET over Unix sockets", r, err, "+OK\r\n")
		v := fmt.Sprint(i)
		r, err = c.Read()
		replyIs(t, "GET over Unix sockets", r, err, fmt.Sprintf("$%d\r\n%s\r\n", len(v), v))
	}
	// The value is in the Redis behind the socket.
	d := enginetest.DialTB(t, redis.Addr)
	r, err := d.Do("GET", "u:99")
	replyIs(t, "GET from Redis directly", r, err, "$2\r\n99\r\n")
}
