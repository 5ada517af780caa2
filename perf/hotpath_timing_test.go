//go:build !race

package perf

// Micro-benchmarks of the request hot path, one step at a time and composed,
// all in this one package so that one CPU and memory profile covers the path:
//
//	go test -run '^$' -bench . -benchmem ./perf/
//	dynomite-bench perf            (the same, plus pprof top 15 of each profile)
//
// Each package keeps its own finer benchmarks (codec/resp, ring, replica,
// engine); these measure the steps as the engine chains them.

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/replica"
)

// frames are client requests as they arrive: SET with a 32 B and a 1 KiB
// value, GET, and MGET of 10 keys.
var frames = func() map[string][]byte {
	v32, v1k := make([]byte, 32), make([]byte, 1024)
	for i := range v1k {
		v1k[i] = 'x'
	}
	keys := [][]byte{[]byte("MGET")}
	for i := range 10 {
		keys = append(keys, []byte("memtier-"+strconv.Itoa(1000000+i)))
	}
	return map[string][]byte{
		"set32":  resp.AppendCommand(nil, []byte("SET"), []byte("memtier-1234567"), v32),
		"set1k":  resp.AppendCommand(nil, []byte("SET"), []byte("memtier-1234567"), v1k),
		"get":    resp.AppendCommand(nil, []byte("GET"), []byte("memtier-1234567")),
		"mget10": resp.AppendCommand(nil, keys...),
	}
}()

var frameOrder = []string{"get", "set32", "set1k", "mget10"}

var (
	sinkInt   int
	sinkBytes []byte
)

func BenchmarkParse(b *testing.B) {
	for _, name := range frameOrder {
		buf := frames[name]
		b.Run(name, func(b *testing.B) {
			var p resp.Parser
			var req resp.Request
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				n, err := p.Parse(buf, &req)
				if err != nil || n != len(buf) {
					b.Fatalf("cannot parse: %d, %v", n, err)
				}
				sinkInt += len(req.Args)
			}
		})
	}
}

func BenchmarkLookup(b *testing.B) {
	for _, name := range []string{"GET", "set", "MGet", "zrangebyscore", "nosuchcommand"} {
		b.Run(name, func(b *testing.B) {
			n := []byte(name)
			b.ReportAllocs()
			for b.Loop() {
				if resp.Lookup(n) != nil {
					sinkInt++
				}
			}
		})
	}
}

func BenchmarkKeys(b *testing.B) {
	for _, name := range []string{"get", "mget10"} {
		b.Run(name, func(b *testing.B) {
			var p resp.Parser
			var req resp.Request
			if _, err := p.Parse(frames[name], &req); err != nil || req.Cmd == nil {
				b.Fatalf("cannot parse: %v", err)
			}
			dst := make([]int, 0, 16)
			b.ReportAllocs()
			for b.Loop() {
				dst = req.Cmd.Keys(req.Args, dst[:0])
				sinkInt += len(dst)
			}
		})
	}
}

func BenchmarkRingLookup(b *testing.B) {
	key := []byte("memtier-1234567")
	for _, shape := range []struct{ racks, nodes int }{{1, 1}, {3, 1}, {3, 16}} {
		b.Run(fmt.Sprintf("racks=%d/nodes=%d", shape.racks, shape.nodes), func(b *testing.B) {
			s := cluster(shape.racks, shape.nodes)
			b.ReportAllocs()
			for b.Loop() {
				tok := s.Token(key)
				for r := range s.Racks(0) {
					sinkInt += s.Owner(0, r, tok)
				}
			}
		})
	}
}

func BenchmarkReplicaDecision(b *testing.B) {
	for _, racks := range []int{1, 3, 5} {
		for _, lvl := range []replica.Level{replica.DCOne, replica.DCQuorum} {
			b.Run(fmt.Sprintf("racks=%d/%v", racks, lvl), func(b *testing.B) {
				t := topo{cluster(racks, 1)}
				var p replica.Plan
				var tr replica.Tracker
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					i++
					replica.Route(t, replica.Request{Write: i%11 == 0, Level: lvl, Token: uint32(i) * 2654435761}, &p)
					tr.Start(t, &p)
					for j := range p.Targets {
						if tr.Step(j, replica.Reply{Sum: 7}) != replica.Pending {
							break
						}
					}
					sinkInt += len(p.Targets)
				}
			})
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	v32 := make([]byte, 32)
	dst := make([]byte, 0, 4096)
	b.Run("ok", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dst = append(dst[:0], resp.ReplyOK...)
		}
		sinkBytes = dst
	})
	b.Run("bulk32", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dst = resp.AppendBulk(dst[:0], v32)
		}
		sinkBytes = dst
	})
	b.Run("array10", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dst = resp.AppendArray(dst[:0], 10)
			for range 10 {
				dst = resp.AppendBulk(dst, v32)
			}
		}
		sinkBytes = dst
	})
	b.Run("reply-scan", func(b *testing.B) {
		reply := resp.AppendBulk(nil, v32)
		var s resp.ReplyScanner
		b.ReportAllocs()
		for b.Loop() {
			n, err := s.Scan(reply)
			if err != nil {
				b.Fatal(err)
			}
			sinkInt += n
		}
	})
}

// BenchmarkPipeline chains the steps the engine takes for one request before
// any I/O: parse, command lookup (inside Parse), key positions, token, owner
// per rack, replica plan and quorum tracking, and the encoding of the reply.
func BenchmarkPipeline(b *testing.B) {
	for _, racks := range []int{1, 3} {
		for _, name := range []string{"get", "set32"} {
			b.Run(fmt.Sprintf("racks=%d/%s", racks, name), func(b *testing.B) {
				buf := frames[name]
				s := cluster(racks, 1)
				t := topo{s}
				var p resp.Parser
				var req resp.Request
				var plan replica.Plan
				var tr replica.Tracker
				keys := make([]int, 0, 8)
				out := make([]byte, 0, 256)
				b.SetBytes(int64(len(buf)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := p.Parse(buf, &req); err != nil || req.Cmd == nil {
						b.Fatalf("cannot parse: %v", err)
					}
					keys = req.Cmd.Keys(req.Args, keys[:0])
					tok := s.Token(req.Args[keys[0]])
					write := req.Cmd.Flags&resp.FlagWrite != 0
					replica.Route(t, replica.Request{Write: write, Level: replica.DCQuorum, Token: tok}, &plan)
					tr.Start(t, &plan)
					for j := range plan.Targets {
						if tr.Step(j, replica.Reply{Sum: 7}) != replica.Pending {
							break
						}
					}
					if write {
						out = append(out[:0], resp.ReplyOK...)
					} else {
						out = resp.AppendBulk(out[:0], req.Args[1])
					}
				}
				sinkBytes = out
			})
		}
	}
}
