package e2e

import (
	"fmt"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

const (
	storageTimeout = 1000 * time.Millisecond // `timeout` in the YAML
	retryTimeout   = 2000 * time.Millisecond // `server_retry_timeout`
	slack          = 500 * time.Millisecond  // scheduling on a loaded machine
)

func failureConfig(c *enginetest.NodeConfig) {
	c.Timeout = int(storageTimeout / time.Millisecond)
	c.ServerRetryTimeout = int(retryTimeout / time.Millisecond)
}

// batchResult is one pipeline of a traffic client.
type batchResult struct {
	sent, done    time.Time
	ok, storage   int
	unexpected    string // first reply that is neither correct nor a storage error
	transportErr  error
	clientID, seq int
}

// traffic runs clients that pipeline SET/GET pairs until stop is closed or
// the bound passes, and reports every batch.
func traffic(addr string, clients int, stop <-chan struct{}, bound time.Duration) <-chan batchResult {
	out := make(chan batchResult, 1<<16)
	var wg sync.WaitGroup
	end := time.Now().Add(bound)
	for id := 0; id < clients; id++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := enginetest.Dial(addr)
			if err != nil {
				out <- batchResult{clientID: id, transportErr: err}
				return
			}
			defer c.Close()
			c.Timeout = 3 * storageTimeout
			for seq := 0; time.Now().Before(end); seq++ {
				select {
				case <-stop:
					return
				default:
				}
				res := batchResult{clientID: id, seq: seq, sent: time.Now()}
				key := "kill:" + strconv.Itoa(id)
				val := fmt.Sprintf("%d:%d", id, seq)
				for j := 0; j < 5; j++ {
					c.Send("SET", key, val)
					c.Send("GET", key)
				}
				if err := c.Flush(); err != nil {
					res.transportErr = err
					out <- res
					return
				}
				for j := 0; j < 10; j++ {
					r, err := c.Read()
					if err != nil {
						res.transportErr = fmt.Errorf("reply %d: %w", j, err)
						break
					}
					want := "+OK\r\n"
					if j%2 == 1 {
						want = fmt.Sprintf("$%d\r\n%s\r\n", len(val), val)
					}
					switch {
					case string(r.Raw) == want:
						res.ok++
					case hasPrefix(r, "-ERR Storage: "):
						res.storage++
					case j%2 == 1 && r.Null:
						// The SET failed on a fresh Redis, so the GET finds nothing.
						res.ok++
					default:
						if res.unexpected == "" {
							res.unexpected = trunc(r.Raw)
						}
					}
				}
				res.done = time.Now()
				out <- res
				if res.transportErr != nil {
					return
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()
	return out
}

// TestRedisKilled kills Redis under traffic: every outstanding request gets
// a storage error within `timeout`, and once Redis is back on its port the
// node serves again within 2 × server_retry_timeout.
func TestRedisKilled(t *testing.T) {
	node, redis := proxy(t, failureConfig)
	stop := make(chan struct{})
	results := traffic(node.Addr, 8, stop, 20*time.Second)

	var killAt, restartAt, backAt time.Time
	var all []batchResult
	collect := func(d time.Duration) {
		end := time.After(d)
		for {
			select {
			case r, ok := <-results:
				if !ok {
					return
				}
				all = append(all, r)
				if !restartAt.IsZero() && backAt.IsZero() && r.sent.After(restartAt) && r.storage == 0 && r.ok == 10 {
					backAt = r.done
				}
			case <-end:
				return
			}
		}
	}
	collect(500 * time.Millisecond)
	killAt = time.Now()
	redis.Kill()
	collect(1500 * time.Millisecond)
	if err := redis.Restart(); err != nil {
		close(stop)
		t.Fatalf("restart redis: %v", err)
	}
	restartAt = time.Now()
	for time.Since(restartAt) < 2*retryTimeout+slack && backAt.IsZero() {
		collect(100 * time.Millisecond)
	}
	collect(300 * time.Millisecond)
	close(stop)
	collect(5 * time.Second)

	var before, during, errorsSeen int
	var slowest time.Duration
	for _, r := range all {
		if r.transportErr != nil {
			t.Errorf("client %d batch %d: the connection failed instead of getting replies: %v", r.clientID, r.seq, r.transportErr)
			continue
		}
		if r.unexpected != "" {
			t.Errorf("client %d batch %d: unexpected reply %q; want the value or -ERR Storage: ...", r.clientID, r.seq, r.unexpected)
		}
		lat := r.done.Sub(r.sent)
		slowest = max(slowest, lat)
		if lat > storageTimeout+slack {
			t.Errorf("client %d batch %d sent %v after the kill: replies took %v; want at most timeout %v (+%v)",
				r.clientID, r.seq, r.sent.Sub(killAt).Round(time.Millisecond), lat.Round(time.Millisecond), storageTimeout, slack)
		}
		if r.done.Before(killAt) {
			before += r.ok
		} else if r.sent.Before(restartAt) {
			during++
		}
		errorsSeen += r.storage
	}
	t.Logf("batches: %d; successful replies before the kill: %d; batches during the outage: %d; storage errors: %d; slowest batch %v; back %v after restart",
		len(all), before, during, errorsSeen, slowest.Round(time.Millisecond), backAt.Sub(restartAt).Round(time.Millisecond))
	if before == 0 {
		t.Fatalf("no successful reply before Redis was killed")
	}
	if errorsSeen == 0 || during == 0 {
		t.Fatalf("unexpected outage: %d batches during it, %d storage errors; want both > 0", during, errorsSeen)
	}
	if backAt.IsZero() {
		t.Fatalf("service not back within %v of the Redis restart (2 × server_retry_timeout + %v)", 2*retryTimeout+slack, slack)
	}
	if d := backAt.Sub(restartAt); d > 2*retryTimeout {
		t.Fatalf("unexpected recovery time; got %v; want at most 2 × server_retry_timeout = %v", d, 2*retryTimeout)
	}
}

// TestRedisStalled stops Redis (SIGSTOP): a request gets a storage error
// once `timeout` has passed, not much before and not much after; after
// SIGCONT the node serves again within 2 × server_retry_timeout.
func TestRedisStalled(t *testing.T) {
	node, redis := proxy(t, failureConfig)
	c := enginetest.DialTB(t, node.Addr)
	r, err := c.Do("SET", "stall", "1")
	replyIs(t, "SET before the stall", r, err, "+OK\r\n")

	if err := redis.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			redis.Signal(syscall.SIGCONT)
		}
	}
	defer resume()

	sent := time.Now()
	c.Send("GET", "stall")
	c.Send("GET", "stall")
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		r, err = c.Read()
		lat := time.Since(sent)
		if err != nil {
			t.Fatalf("GET %d while Redis is stopped: no reply after %v: %v", i, lat.Round(time.Millisecond), err)
		}
		if !hasPrefix(r, "-ERR Storage: ") {
			t.Fatalf("GET %d while Redis is stopped: unexpected reply %q; want -ERR Storage: ...", i, trunc(r.Raw))
		}
		if lat < storageTimeout-100*time.Millisecond || lat > storageTimeout+slack {
			t.Fatalf("GET %d while Redis is stopped: error after %v; want after about timeout = %v", i, lat.Round(time.Millisecond), storageTimeout)
		}
	}
	resume()
	back := time.Now()
	for {
		r, err = c.Do("GET", "stall")
		if err != nil {
			t.Fatalf("GET after SIGCONT: %v", err)
		}
		if string(r.Raw) == "$1\r\n1\r\n" {
			break
		}
		if !hasPrefix(r, "-ERR Storage: ") {
			t.Fatalf("GET after SIGCONT: unexpected reply %q", trunc(r.Raw))
		}
		if time.Since(back) > 2*retryTimeout {
			t.Fatalf("service not back within 2 × server_retry_timeout = %v after SIGCONT; last reply %q", 2*retryTimeout, r.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("back %v after SIGCONT", time.Since(back).Round(time.Millisecond))
}
