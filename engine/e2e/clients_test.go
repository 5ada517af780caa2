package e2e

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// TestManyClients connects 1,000 clients at once, each pipelining commands
// whose replies reveal their order, and requires that the node closes every
// connection it opened for them once they leave.
func TestManyClients(t *testing.T) {
	const clients, rounds, depth = 1000, 2, 20
	node, _ := proxy(t, nil)
	base := baselineFDs(t, node)

	conns := make([]*enginetest.Client, clients)
	for i := range conns {
		c, err := enginetest.Dial(node.Addr)
		if err != nil {
			for _, c := range conns[:i] {
				c.Close()
			}
			t.Fatalf("dial client %d: %v", i, err)
		}
		c.Timeout = 30 * time.Second
		conns[i] = c
	}
	closeAll := func() {
		for _, c := range conns {
			c.Close()
		}
	}
	defer closeAll()

	// Every client is connected at the same time.
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := enginetest.OpenFDs(node.PID())
		if err != nil {
			t.Fatalf("%v", err)
		}
		if n >= base+clients {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unexpected fd count with %d clients connected; got %d; want at least %d", clients, n, base+clients)
		}
		time.Sleep(20 * time.Millisecond)
	}

	start := make(chan struct{})
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- pipelineClient(c, i, rounds, depth)
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
			if failed <= 10 {
				t.Error(err)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d clients failed", failed, clients)
	}
	t.Logf("%d clients x %d commands in %v", clients, rounds*depth*3, time.Since(began).Round(time.Millisecond))

	closeAll()
	if n := settleFDs(t, node.PID(), base, 5*time.Second); n > base {
		t.Fatalf("unexpected fd count after the clients left; got %d; want at most %d (before: %d)", n, base, base)
	}
}

// pipelineClient runs rounds pipelines of depth × (SET, INCR, GET) and
// checks each reply against its position.
func pipelineClient(c *enginetest.Client, id, rounds, depth int) error {
	key := "mc:" + strconv.Itoa(id)
	counter := "mc:n:" + strconv.Itoa(id)
	n := 0
	for r := 0; r < rounds; r++ {
		for j := 0; j < depth; j++ {
			v := fmt.Sprintf("%d/%d/%d", id, r, j)
			c.Send("SET", key, v)
			c.Send("INCR", counter)
			c.Send("GET", key)
		}
		if err := c.Flush(); err != nil {
			return fmt.Errorf("client %d: flush: %v", id, err)
		}
		for j := 0; j < depth; j++ {
			n++
			v := fmt.Sprintf("%d/%d/%d", id, r, j)
			want := []string{"+OK\r\n", fmt.Sprintf(":%d\r\n", n), fmt.Sprintf("$%d\r\n%s\r\n", len(v), v)}
			for k, w := range want {
				rep, err := c.Read()
				if err != nil {
					return fmt.Errorf("client %d: round %d reply %d: %v", id, r, 3*j+k, err)
				}
				if string(rep.Raw) != w {
					return fmt.Errorf("client %d: round %d reply %d out of order or wrong; got %q; want %q", id, r, 3*j+k, trunc(rep.Raw), w)
				}
			}
		}
	}
	return nil
}
