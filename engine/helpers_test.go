package engine

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// testConfig is a single-node configuration in front of the datastore at
// addr ("host:port" or a socket path), listening on a free loopback port.
func testConfig(addr string) *conf.Config {
	srv := conf.Addr{Network: "tcp", Raw: addr}
	if strings.HasPrefix(addr, "/") {
		srv.Network, srv.Path = "unix", addr
	} else {
		i := strings.LastIndexByte(addr, ':')
		srv.Host = addr[:i]
		for _, ch := range addr[i+1:] {
			srv.Port = srv.Port*10 + int(ch-'0')
		}
	}
	return &conf.Config{
		PoolName: "dyn_o_mite",
		Pool: conf.Pool{
			Listen:               conf.Addr{Network: "tcp", Host: "127.0.0.1", Port: 0, Raw: "127.0.0.1:0"},
			Servers:              []conf.Server{{Addr: srv, Weight: 1, Name: addr}},
			Timeout:              5 * time.Second,
			ServerRetryTimeout:   200 * time.Millisecond,
			DatastoreConnections: 1,
			MbufSize:             16384,
			MaxMsgs:              200000,
			Preconnect:           true,
		},
	}
}

// startNode starts a node for cfg and shuts it down in Cleanup.
func startNode(t testing.TB, cfg *conf.Config) *Node {
	t.Helper()
	return startNodeWith(t, cfg, nil)
}

// startNodeWith is startNode; prep, when not nil, adjusts the node before
// it starts.
func startNodeWith(t testing.TB, cfg *conf.Config, prep func(*Node)) *Node {
	t.Helper()
	return startNodeOptions(t, Options{Config: cfg}, prep)
}

// startNodeOptions is startNodeWith for a node built with o; a nil
// o.Logger logs warnings to stderr.
func startNodeOptions(t testing.TB, o Options, prep func(*Node)) *Node {
	t.Helper()
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	n, err := New(o)
	if err != nil {
		t.Fatalf("cannot create node: %v", err)
	}
	if prep != nil {
		prep(n)
	}
	if err := n.Start(); err != nil {
		t.Fatalf("cannot start node: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := n.Shutdown(ctx); err != nil {
			t.Errorf("unexpected Shutdown error: %v", err)
		}
	})
	return n
}

// proxy starts a redis-server and a node in front of it.
func proxy(t testing.TB, edit func(*conf.Pool)) (*Node, *enginetest.Proc) {
	t.Helper()
	r := enginetest.Redis(t)
	cfg := testConfig(r.Addr)
	if edit != nil {
		edit(&cfg.Pool)
	}
	return startNode(t, cfg), r
}

// dial connects a test client to the node.
func dial(t testing.TB, n *Node) *enginetest.Client {
	t.Helper()
	c := enginetest.DialTB(t, n.ClientAddr().String())
	c.Timeout = 10 * time.Second
	return c
}

// do sends one command and returns the reply's exact bytes.
func do(t testing.TB, c *enginetest.Client, args ...string) string {
	t.Helper()
	r, err := c.Do(args...)
	if err != nil {
		t.Fatalf("cannot run %q: %v", args, err)
	}
	return string(r.Raw)
}

// expect checks the reply to args.
func expect(t testing.TB, c *enginetest.Client, want string, args ...string) {
	t.Helper()
	if got := do(t, c, args...); got != want {
		t.Fatalf("unexpected reply to %q; got %q; want %q", args, got, want)
	}
}
