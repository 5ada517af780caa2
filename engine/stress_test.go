package engine

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestManyClientsPipelined runs many concurrent clients, each sending
// pipelines of SET/GET on its own keys, and checks every reply and its
// order. It also bounds the slowest round trip: a request left queued
// without a writer would show as a stall of at least the client timeout.
func TestManyClientsPipelined(t *testing.T) {
	n, _ := proxy(t, nil)
	const clients, rounds, depth = 50, 40, 8
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	var mu sync.Mutex
	var slowest time.Duration
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			c := dial(t, n)
			c.Timeout = 5 * time.Second
			for r := 0; r < rounds; r++ {
				start := time.Now()
				for d := 0; d < depth; d++ {
					k := fmt.Sprintf("c%d:%d", id, d)
					_ = c.Send("SET", k, fmt.Sprintf("%d-%d", r, d))
					_ = c.Send("GET", k)
				}
				if err := c.Flush(); err != nil {
					errs <- err
					return
				}
				for d := 0; d < depth; d++ {
					if rep, err := c.Read(); err != nil || string(rep.Raw) != "+OK\r\n" {
						errs <- fmt.Errorf("client %d round %d: unexpected SET reply %v, %v", id, r, rep, err)
						return
					}
					want := fmt.Sprintf("%d-%d", r, d)
					if rep, err := c.Read(); err != nil || string(rep.Str) != want {
						errs <- fmt.Errorf("client %d round %d: unexpected GET reply %v, %v; want %q", id, r, rep, err, want)
						return
					}
				}
				if d := time.Since(start); d > 0 {
					mu.Lock()
					slowest = max(slowest, d)
					mu.Unlock()
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("slowest pipeline round trip: %v", slowest)
	if slowest > 2*time.Second {
		t.Fatalf("unexpected stall; slowest round trip %v", slowest)
	}
}
