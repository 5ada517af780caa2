package engine

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

func TestForwardSetGet(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	expect(t, c, "+OK\r\n", "SET", "k", "v")
	expect(t, c, "$1\r\nv\r\n", "GET", "k")
	expect(t, c, "$-1\r\n", "GET", "missing")
	expect(t, c, ":1\r\n", "DEL", "k")
	expect(t, c, "+PONG\r\n", "PING")
}

func TestForwardPipelineInOrder(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	const count = 1000
	for i := 0; i < count; i++ {
		if err := c.Send("SET", fmt.Sprintf("key:%d", i), fmt.Sprintf("value-%d", i)); err != nil {
			t.Fatal(err)
		}
		if err := c.Send("GET", fmt.Sprintf("key:%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < count; i++ {
		r, err := c.Read()
		if err != nil {
			t.Fatalf("cannot read reply %d: %v", 2*i, err)
		}
		if string(r.Raw) != "+OK\r\n" {
			t.Fatalf("unexpected reply %d; got %q; want +OK", 2*i, r.Raw)
		}
		r, err = c.Read()
		if err != nil {
			t.Fatalf("cannot read reply %d: %v", 2*i+1, err)
		}
		if want := fmt.Sprintf("value-%d", i); string(r.Str) != want {
			t.Fatalf("unexpected reply %d; got %q; want %q", 2*i+1, r.Str, want)
		}
	}
}

// TestSeveralDatastoreConnections: with datastore_connections 3 the node
// opens three connections, clients spread over them, and each client's
// replies stay in order.
func TestSeveralDatastoreConnections(t *testing.T) {
	n, r := proxy(t, func(p *conf.Pool) { p.DatastoreConnections = 3 })
	waitSpares(t, n)
	direct := enginetest.DialTB(t, r.Addr)
	info := do(t, direct, "INFO", "clients")
	want := 3 + n.ded.Limits.Spares + 1 // shared, spare dedicated ones, this one
	if !strings.Contains(info, fmt.Sprintf("connected_clients:%d\r\n", want)) {
		t.Fatalf("unexpected datastore clients; got %q; want 3 shared and %d spare from the node and 1 direct", info, n.ded.Limits.Spares)
	}
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			c := dial(t, n)
			for j := 0; j < 200; j++ {
				_ = c.Send("ECHO", fmt.Sprintf("%d-%d", id, j))
			}
			if err := c.Flush(); err != nil {
				t.Error(err)
				return
			}
			for j := 0; j < 200; j++ {
				r, err := c.Read()
				if want := fmt.Sprintf("%d-%d", id, j); err != nil || string(r.Str) != want {
					t.Errorf("client %d: unexpected reply %d: %v, %v; want %q", id, j, r, err, want)
					return
				}
			}
		}(i)
	}
	wg.Wait()
}
