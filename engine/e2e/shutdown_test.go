package e2e

import (
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// TestShutdown: SIGTERM makes the node close its clients and exit with
// status 0 within enginetest.StopTimeout.
func TestShutdown(t *testing.T) {
	node, _ := proxy(t, nil)
	c := enginetest.DialTB(t, node.Addr)
	r, err := c.Do("SET", "shutdown", "1")
	replyIs(t, "SET", r, err, "+OK\r\n")
	start := time.Now()
	if err := node.Stop(); err != nil {
		t.Fatalf("unexpected shutdown: %v", err)
	}
	t.Logf("stopped in %v", time.Since(start).Round(time.Millisecond))
	if _, err := c.Do("PING"); err == nil {
		t.Fatalf("a client connection still answers after the node exited")
	}
}
