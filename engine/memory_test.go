package engine

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

func TestLargeValues(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	for _, size := range []int{1 << 20, 16 << 20} {
		v := bytes.Repeat([]byte("0123456789abcdef\r\n"), size/18+1)[:size]
		key := fmt.Sprintf("big:%d", size)
		if err := c.SendBytes([]byte("SET"), []byte(key), v); err != nil {
			t.Fatal(err)
		}
		_ = c.SendBytes([]byte("GET"), []byte(key))
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		if r, err := c.Read(); err != nil || string(r.Raw) != "+OK\r\n" {
			t.Fatalf("unexpected reply to SET of %d bytes: %v, %v", size, r, err)
		}
		r, err := c.Read()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.Str, v) {
			t.Fatalf("unexpected value of %d bytes back; got %d bytes", size, len(r.Str))
		}
	}
}

// TestSlowReader: a client pipelines 400 GETs of 1 MiB values and does not
// read. The node stops reading from it once its unsent replies pass the
// bound, memory stays flat, other clients are served, and all 400 replies
// arrive when the client reads.
func TestSlowReader(t *testing.T) {
	// This test is about memory, not timeouts: under the race detector on a
	// loaded machine moving 400 MiB can hold a reply past the default 5 s.
	n, _ := proxy(t, func(p *conf.Pool) { p.Timeout = 60 * time.Second })
	c := dial(t, n)
	value := bytes.Repeat([]byte("v"), 1<<20)
	if err := c.SendBytes([]byte("SET"), []byte("big"), value); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if r, err := c.Read(); err != nil || string(r.Raw) != "+OK\r\n" {
		t.Fatalf("unexpected reply to SET of the 1 MiB value: %v, %v", r, err)
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	slow := dial(t, n)
	const count = 400
	for i := 0; i < count; i++ {
		_ = slow.Send("GET", "big")
	}
	if err := slow.Flush(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // let the node fill what it may

	// Other clients are served meanwhile.
	other := dial(t, n)
	start := time.Now()
	expect(t, other, "+PONG\r\n", "PING")
	if d := time.Since(start); d > raceFactor*time.Second {
		t.Fatalf("other client served after %v", d)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapInuse) - int64(before.HeapInuse)
	bound := int64(n.maxUnsent + (n.maxPipeline+8)*len(value))
	t.Logf("heap grown by %d MiB with %d requests unread (bound %d MiB)", grown>>20, count, bound>>20)
	if grown > bound {
		t.Fatalf("unexpected memory growth of a slow reader; got %d MiB; want at most %d MiB", grown>>20, bound>>20)
	}
	for i := 0; i < count; i++ {
		r, err := slow.Read()
		if err != nil {
			t.Fatalf("cannot read reply %d: %v", i, err)
		}
		if len(r.Str) != len(value) {
			t.Fatalf("unexpected reply %d: %d bytes", i, len(r.Str))
		}
	}
}

func countFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestThousandClients: 1,000 concurrent pipelining clients get all replies
// in order; once they leave, the process is back at its open-fd count.
func TestThousandClients(t *testing.T) {
	n, _ := proxy(t, nil)
	expect(t, dial(t, n), "+OK\r\n", "SET", "k", "v")
	waitSpares(t, n) // the spare dedicated connections count in the baseline
	base := countFDs(t)
	const clients, depth = 1000, 10
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			c := dial(t, n)
			defer c.Close()
			for d := 0; d < depth; d++ {
				_ = c.Send("ECHO", fmt.Sprintf("%d-%d", id, d))
			}
			if err := c.Flush(); err != nil {
				errs <- err
				return
			}
			for d := 0; d < depth; d++ {
				r, err := c.Read()
				if want := fmt.Sprintf("%d-%d", id, d); err != nil || string(r.Str) != want {
					errs <- fmt.Errorf("client %d: unexpected reply %d: %v, %v; want %q", id, d, r, err, want)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for countFDs(t) > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := countFDs(t); got > base {
		t.Fatalf("unexpected open fds after the clients left; got %d; want %d", got, base)
	}
}

// TestShutdownDrains: a request in flight when Shutdown starts is answered;
// afterwards no client is accepted and Shutdown returns nil.
func TestShutdownDrains(t *testing.T) {
	n, _ := proxy(t, nil)
	blocker, c := dial(t, n), dial(t, n)
	_ = blocker.Send("DEBUG", "SLEEP", "0.3")
	if err := blocker.Flush(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	_ = c.Send("PING")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- n.Shutdown(ctx)
	}()
	if r, err := c.Read(); err != nil || string(r.Raw) != "+PONG\r\n" {
		t.Fatalf("in-flight request not answered during shutdown: %v, %v", r, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("unexpected Shutdown error: %v", err)
	}
	if c, err := enginetest.Dial(n.ClientAddr().String()); err == nil {
		c.Timeout = time.Second
		if r, err := c.Do("PING"); err == nil {
			t.Fatalf("client served after Shutdown: %q", r.Raw)
		}
		c.Close()
	}
}
