// Package e2e holds black-box tests of the dynomite binary: they start real
// redis-server processes and dynomite nodes with engine/enginetest and talk
// RESP to the node's client port, as a user's client would.
package e2e

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

var direct = flag.Bool("e2e.direct", false, "point the tests at redis-server itself instead of a dynomite node (checks the tests, not the node; proxy-specific tests then fail)")

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	enginetest.RemoveBuild()
	os.Exit(code)
}

// proxy starts a redis-server and a dynomite node in front of it. With
// -e2e.direct the "node" is the redis-server itself.
func proxy(t *testing.T, edit func(*enginetest.NodeConfig)) (node, redis *enginetest.Proc) {
	t.Helper()
	if *direct {
		r := enginetest.Redis(t)
		return r, r
	}
	return enginetest.Proxy(t, edit)
}

// replyIs fails unless r is exactly want (RESP bytes).
func replyIs(t *testing.T, what string, r *enginetest.Reply, err error, want string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error; got %v; want %q", what, err, want)
	}
	if string(r.Raw) != want {
		t.Fatalf("%s: unexpected reply; got %q; want %q", what, trunc(r.Raw), want)
	}
}

func trunc(b []byte) string {
	if len(b) > 200 {
		return fmt.Sprintf("%s...(%d bytes)", b[:200], len(b))
	}
	return string(b)
}

// settleFDs waits up to d for the open-fd count of pid to drop to at most
// want, and returns the last count seen.
func settleFDs(t *testing.T, pid, want int, d time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		n, err := enginetest.OpenFDs(pid)
		if err != nil {
			t.Fatalf("%v", err)
		}
		if n <= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// baselineFDs returns the node's open-fd count once one client has been
// served and has left, so that lazily opened datastore connections count.
func baselineFDs(t *testing.T, node *enginetest.Proc) int {
	t.Helper()
	c := enginetest.DialTB(t, node.Addr)
	r, err := c.Do("SET", "e2e:warmup", "1")
	replyIs(t, "warm-up SET", r, err, "+OK\r\n")
	c.Close()
	time.Sleep(200 * time.Millisecond)
	n, err := enginetest.OpenFDs(node.PID())
	if err != nil {
		t.Fatalf("%v", err)
	}
	// Let a count that was still falling settle.
	return settleFDs(t, node.PID(), n, time.Second)
}

// rssWatch samples a process's RSS every 20 ms until stopped and reports the
// largest value seen.
type rssWatch struct {
	pid  int
	stop chan struct{}
	done sync.WaitGroup
	mu   sync.Mutex
	max  int64
}

func watchRSS(pid int) *rssWatch {
	w := &rssWatch{pid: pid, stop: make(chan struct{})}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if n, err := enginetest.RSS(pid); err == nil {
				w.mu.Lock()
				w.max = max(w.max, n)
				w.mu.Unlock()
			}
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

func (w *rssWatch) Max() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.max
}

func (w *rssWatch) Stop() int64 {
	close(w.stop)
	w.done.Wait()
	return w.Max()
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func hasPrefix(r *enginetest.Reply, p string) bool {
	return r != nil && strings.HasPrefix(string(r.Raw), p)
}
