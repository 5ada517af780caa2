//go:build !race

package perf

// One request round trip through an in-process dynomite-go node in front of a
// real redis-server, next to the same round trip to redis-server direct:
//
//	go test -run '^$' -bench RoundTrip -benchmem ./perf/
//
// The client is a raw connection with a pre-built request and a reply of
// known length, so the allocations reported are the node's (it runs in this
// process) and ns/request includes both loopback hops.

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// startNode starts an in-process node in front of rs and stops it in Cleanup.
func startNode(b *testing.B, rs *enginetest.Proc) string {
	nc, err := enginetest.SingleNode(rs)
	if err != nil {
		b.Fatalf("cannot configure a node: %v", err)
	}
	path := filepath.Join(b.TempDir(), "dynomite.yml")
	if err := os.WriteFile(path, []byte(nc.YAML()), 0o644); err != nil {
		b.Fatalf("cannot write the configuration: %v", err)
	}
	cfg, _, err := conf.Load(path)
	if err != nil {
		b.Fatalf("cannot load the configuration: %v", err)
	}
	n, err := engine.New(engine.Options{Config: cfg})
	if err != nil {
		b.Fatalf("cannot create the node: %v", err)
	}
	if err := n.Start(); err != nil {
		b.Fatalf("cannot start the node: %v", err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.Shutdown(ctx)
	})
	return n.ClientAddr().String()
}

func BenchmarkRoundTrip(b *testing.B) {
	rs := enginetest.Redis(b)
	targets := []struct{ name, addr string }{{"direct", rs.Addr}, {"node", startNode(b, rs)}}
	key, val := []byte("memtier-1"), make([]byte, 32)
	for i := range val {
		val[i] = 'x'
	}
	set := resp.AppendCommand(nil, []byte("SET"), key, val)
	get := resp.AppendCommand(nil, []byte("GET"), key)
	getReply := len(resp.AppendBulk(nil, val))
	for _, t := range targets {
		for _, depth := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/pipeline=%d", t.name, depth), func(b *testing.B) {
				conn, err := net.Dial("tcp", t.addr)
				if err != nil {
					b.Fatalf("cannot connect: %v", err)
				}
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(5 * time.Minute))
				reply := make([]byte, getReply*depth)
				if _, err := conn.Write(set); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(conn, reply[:len(resp.ReplyOK)]); err != nil {
					b.Fatalf("cannot SET: %v", err)
				}
				var req []byte
				for range depth {
					req = append(req, get...)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := conn.Write(req); err != nil {
						b.Fatal(err)
					}
					if _, err := io.ReadFull(conn, reply); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*depth), "ns/request")
			})
		}
	}
}
