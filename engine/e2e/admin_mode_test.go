package e2e

import (
	"net"
	"testing"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// TestAdminModeDel: with -x 1 a DEL runs on the local datastore only when
// this node owns every key in its rack; otherwise it is refused with
// Dynomite's admin-mode error (docs/compat.md §4.7). The rack's other node (token
// 2^31) is never started: this node (token 1) owns foo (3303027599) but
// not bar (516654467).
func TestAdminModeDel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	absent := ln.Addr().String()
	ln.Close()
	node, _ := enginetest.Proxy(t, func(c *enginetest.NodeConfig) {
		c.Tokens = "1"
		c.DynSeeds = []string{absent + ":rack1:dc1:2147483648"}
	}, "-x", "1")
	c, err := enginetest.Dial(node.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const refused = "-ERR Dynomite: Invalid request in Dynomite's admin mode\r\n"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"SET", "foo", "v"}, "+OK\r\n"},
		{[]string{"DEL", "bar"}, refused},
		{[]string{"DEL", "foo", "bar"}, refused},
		{[]string{"DEL", "foo"}, ":1\r\n"},
		{[]string{"DEL", "foo"}, ":0\r\n"},
	} {
		r, err := c.Do(tc.args...)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if string(r.Raw) != tc.want {
			t.Fatalf("unexpected reply to %v in admin mode; got %q; want %q", tc.args, r.Raw, tc.want)
		}
	}
}

// TestAdminModeMemcacheDelete: the same rule for memcached's delete.
func TestAdminModeMemcacheDelete(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	absent := ln.Addr().String()
	ln.Close()
	mc := enginetest.Memcached(t)
	cfg, err := enginetest.SingleNode(mc)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tokens = "1"
	cfg.DynSeeds = []string{absent + ":rack1:dc1:2147483648"}
	node := enginetest.Node(t, cfg, "-x", "1")
	c := dialMC(t, node.Addr)
	for _, tc := range []struct{ cmd, want string }{
		{"set foo 0 0 1\r\nv\r\n", "STORED\r\n"},
		{"delete bar\r\n", "SERVER_ERROR Dynomite: Invalid request in Dynomite's admin mode\r\n"},
		{"delete foo\r\n", "DELETED\r\n"},
		{"delete foo\r\n", "NOT_FOUND\r\n"},
	} {
		r, err := c.do(tc.cmd)
		if err != nil || string(r.raw) != tc.want {
			t.Fatalf("unexpected reply to %q in admin mode; got %q %v; want %q", tc.cmd, r.raw, err, tc.want)
		}
	}
}
