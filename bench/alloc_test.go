//go:build !race

package bench

import (
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// sinkConn is a connection whose writes go nowhere.
type sinkConn struct{ net.Conn }

func (sinkConn) Write(b []byte) (int, error) { return len(b), nil }

// TestClientSteadyStateAllocs pins the request path of a client (build a
// pipeline of requests, write it, scan the replies, record latencies) at zero
// allocations per round.
func TestClientSteadyStateAllocs(t *testing.T) {
	for _, tc := range []struct{ proto, set, get string }{
		{ProtoRedis, "+OK\r\n", "$32\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"},
		{ProtoMemcacheText, "STORED\r\n", "VALUE memtier-1 0 32\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\nEND\r\n"},
	} {
		cfg := DefaultConfig()
		cfg.Protocol, cfg.Pipeline, cfg.Requests = tc.proto, 11, 1<<30
		var stop atomic.Bool
		c := newClient(&cfg, 0, 1, make([]byte, 32), new(live), &stop)
		c.conn, c.start, c.deadline = sinkConn{}, time.Now(), time.Now().Add(time.Hour)
		// With 1:10 and a pipeline of 11, every round is one set and ten gets.
		round := []byte(tc.set)
		for range 10 {
			round = append(round, tc.get...)
		}
		allocs := testing.AllocsPerRun(200, func() {
			if err := c.fill(time.Now()); err != nil {
				t.Fatalf("cannot fill: %v", err)
			}
			used, err := c.consume(round, int64(time.Since(c.start)))
			if err != nil || used != len(round) || c.n != 0 {
				t.Fatalf("cannot consume a round: used %d of %d, %d left, %v", used, len(round), c.n, err)
			}
		})
		if allocs != 0 {
			t.Fatalf("%s: unexpected allocations per round; got %v; want 0", tc.proto, allocs)
		}
		if c.get.hits == 0 || c.set.ops == 0 {
			t.Fatalf("%s: unexpected counters %+v %+v", tc.proto, c.set, c.get)
		}
	}
}
