package engine

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

const storageRefused = "-ERR Storage: Datastore refused connection\r\n"

// TestDatastoreDown: with no datastore, requests fail at once; once the
// datastore is up, service is back within 2 × server_retry_timeout.
func TestDatastoreDown(t *testing.T) {
	port, err := enginetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", itoa(port))
	cfg := testConfig(addr)
	n := startNode(t, cfg)
	c := dial(t, n)
	start := time.Now()
	expect(t, c, storageRefused, "GET", "k")
	if d := time.Since(start); d > time.Second {
		t.Fatalf("unexpected delay of a refused request: %v", d)
	}
	r := enginetest.RedisWith(t, enginetest.RedisOptions{Port: port})
	_ = r
	up := time.Now()
	deadline := up.Add(2 * cfg.Pool.ServerRetryTimeout)
	for {
		got := do(t, c, "GET", "k")
		if got == "$-1\r\n" {
			break
		}
		if got != storageRefused {
			t.Fatalf("unexpected reply while reconnecting; got %q", got)
		}
		if time.Now().After(deadline) {
			t.Fatalf("service not back %v after the datastore started", time.Since(up))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDatastoreKilledUnderTraffic: every outstanding request gets a reply
// (an error for those cut off) within timeout, and service comes back after
// a restart.
func TestDatastoreKilledUnderTraffic(t *testing.T) {
	n, r := proxy(t, func(p *conf.Pool) { p.Timeout = time.Second })
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var mu sync.Mutex
	var errs, oks int
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dial(t, n)
			c.Timeout = 3 * time.Second
			for j := 0; j < 100000; j++ {
				select {
				case <-stop:
					return
				default:
				}
				rep, err := c.Do("SET", "k", "v")
				if err != nil {
					t.Errorf("no reply within %v: %v", c.Timeout, err)
					return
				}
				mu.Lock()
				if string(rep.Raw) == "+OK\r\n" {
					oks++
				} else if string(rep.Raw) == storageRefused {
					errs++
				} else {
					t.Errorf("unexpected reply %q", rep.Raw)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	r.Kill()
	time.Sleep(300 * time.Millisecond)
	if err := r.Restart(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond)
	close(stop)
	wg.Wait()
	c := dial(t, n)
	expect(t, c, "+OK\r\n", "SET", "k", "v")
	if oks == 0 || errs == 0 {
		t.Fatalf("unexpected reply mix: %d OK, %d storage errors; want both", oks, errs)
	}
}

// silentServer accepts connections and reads, but never answers.
func silentServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() {
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

func TestTimeout(t *testing.T) {
	cfg := testConfig(silentServer(t))
	cfg.Pool.Timeout = 300 * time.Millisecond
	n := startNode(t, cfg)
	c := dial(t, n)
	for i := 0; i < 3; i++ {
		_ = c.Send("GET", "k")
	}
	start := time.Now()
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		r, err := c.Read()
		if err != nil {
			t.Fatal(err)
		}
		if string(r.Raw) != storageRefused {
			t.Fatalf("unexpected reply %d; got %q; want %q", i, r.Raw, storageRefused)
		}
	}
	if d := time.Since(start); d < cfg.Pool.Timeout || d > cfg.Pool.Timeout+time.Second {
		t.Fatalf("unexpected time to the timeout reply: %v; want about %v", d, cfg.Pool.Timeout)
	}
	if n.timeouts.Load() == 0 {
		t.Fatalf("timeout not counted")
	}
}

func TestMaxMsgs(t *testing.T) {
	cfg := testConfig(silentServer(t))
	cfg.Pool.MaxMsgs = 5
	cfg.Pool.Timeout = time.Second
	n := startNode(t, cfg)
	c := dial(t, n)
	for i := 0; i < 5; i++ {
		_ = c.Send("GET", "k")
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for n.env.Inflight.Load() < 5 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	// A second client is refused at once, and stays connected.
	c2 := dial(t, n)
	expect(t, c2, string(resp.ReplyTooManyMsgs), "GET", "k")
	expect(t, c2, string(resp.ReplyTooManyMsgs), "SET", "k", "v")
	expect(t, c2, "-ERR wrong number of arguments for 'get' command\r\n", "GET")
	if got := n.env.Inflight.Load(); got != 5 {
		t.Fatalf("unexpected msgs in flight; got %d; want 5", got)
	}
}

func TestUnixSocketDatastore(t *testing.T) {
	r := enginetest.RedisWith(t, enginetest.RedisOptions{Unix: true})
	n := startNode(t, testConfig(r.Socket))
	c := dial(t, n)
	expect(t, c, "+OK\r\n", "SET", "k", "v")
	expect(t, c, "$1\r\nv\r\n", "GET", "k")
}

func itoa(i int) string {
	var b strings.Builder
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	b.Write(d)
	return b.String()
}

// TestShutdownCutsOff: a request the datastore never answers is cut off
// when the Shutdown context ends: Shutdown reports it and the client is
// disconnected.
func TestShutdownCutsOff(t *testing.T) {
	cfg := testConfig(silentServer(t))
	n, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	c := dial(t, n)
	_ = c.Send("GET", "k")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for n.env.Inflight.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := n.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("unexpected Shutdown error; got %v; want %v", err, context.DeadlineExceeded)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Shutdown took %v after its context ended", d)
	}
	if r, err := c.Read(); err == nil && string(r.Raw) != storageRefused {
		t.Fatalf("unexpected reply after Shutdown: %q", r.Raw)
	}
}

// TestShutdownRightAfterStart: a node stopped as soon as Start returns
// (before the event loop's goroutine has set its server up) stops, every
// time, within a bound.
func TestShutdownRightAfterStart(t *testing.T) {
	r := enginetest.Redis(t)
	for i := range 30 {
		n, err := New(Options{Config: testConfig(r.Addr)})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- n.Shutdown(context.Background()) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("start %d: unexpected Shutdown error: %v", i, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("start %d: Shutdown right after Start did not return in 5 s", i)
		}
	}
}
