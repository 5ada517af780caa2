package e2e

import (
	"bytes"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// TestGarbageStorm has many clients at once write garbage and keep writing
// while the node answers with a protocol error and closes them: closing a
// connection whose peer is still sending (and then resets it) must not stall
// the node. Afterwards the node still serves, and holds no connection of theirs.
func TestGarbageStorm(t *testing.T) {
	const clients, size = 40, 2 << 20
	node, _ := proxy(t, nil)
	base := baselineFDs(t, node)
	garbage := bytes.Repeat([]byte("*x garbage \x00\xff\r"), size/14)

	var wg sync.WaitGroup
	errs := make(chan string, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := enginetest.Dial(node.Addr)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer c.Close()
			go func() {
				c.Conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
				c.Conn.Write(garbage) // fails once the node closes: expected
			}()
			c.Timeout = 5 * time.Second
			r, err := c.Read()
			if err != nil || !hasPrefix(r, "-ERR Protocol error: ") {
				errs <- "no protocol error: " + errString(r, err)
				return
			}
			c.Conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := io.Copy(io.Discard, c.Conn); err != nil && !isReset(err) {
				errs <- "connection not closed: " + err.Error()
			} else if n > 0 {
				errs <- "bytes after the protocol error"
			}
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for e := range errs {
		if n++; n <= 5 {
			t.Errorf("garbage client: %s", e)
		}
	}

	c := enginetest.DialTB(t, node.Addr)
	c.Timeout = 2 * time.Second
	r, err := c.Do("SET", "storm", "after")
	replyIs(t, "SET after the storm", r, err, "+OK\r\n")
	c.Close()
	if got := settleFDs(t, node.PID(), base, 5*time.Second); got > base {
		t.Errorf("unexpected fd count after the garbage clients left; got %d; want at most %d", got, base)
	}
}

func errString(r *enginetest.Reply, err error) string {
	if err != nil {
		return err.Error()
	}
	return trunc(r.Raw)
}
