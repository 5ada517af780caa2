package ring_test

// Run: go test -run '^$' -bench . -benchmem ./ring/

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/dynomite-go/dynomite/ring"
)

var (
	sinkU32 uint32
	sinkInt int
)

// benchSnapshot builds 2 DCs of racks x nodesPerRack nodes, each node with
// vnodes evenly spread tokens (i * 2^32 / n, as the project's test scripts
// place them).
func benchSnapshot(tb testing.TB, racks, nodesPerRack, vnodes int) *ring.Snapshot {
	tb.Helper()
	var nodes []ring.Node
	for _, dc := range []string{"dc1", "dc2"} {
		for r := range racks {
			n := nodesPerRack * vnodes
			for i := range nodesPerRack {
				node := ring.Node{Name: fmt.Sprintf("%s-r%d-n%d", dc, r, i), DC: dc, Rack: "rack" + strconv.Itoa(r)}
				for v := range vnodes {
					k := v*nodesPerRack + i
					node.Tokens = append(node.Tokens, uint32(uint64(k)<<32/uint64(n)))
				}
				nodes = append(nodes, node)
			}
		}
	}
	s, err := ring.New(nodes, 0, ring.Murmur, "{}")
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func benchKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte("memtier-" + strconv.Itoa(i*7919))
	}
	return keys
}

func BenchmarkHash(b *testing.B) {
	for _, size := range []int{8, 32, 256} {
		key := make([]byte, size)
		for i := range key {
			key[i] = byte('a' + i%26)
		}
		for _, name := range ring.HashNames() {
			fn, _ := ring.HashByName(name)
			b.Run(fmt.Sprintf("%s/len=%d", name, size), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(size))
				for b.Loop() {
					sinkU32 = fn(key)
				}
			})
		}
	}
}

// BenchmarkOwner is one binary search in a rack of 3 nodes x 256 vnodes.
func BenchmarkOwner(b *testing.B) {
	s := benchSnapshot(b, 1, 3, 256)
	b.ReportAllocs()
	var tok uint32
	for b.Loop() {
		tok += 0x9e3779b9
		sinkInt = s.Owner(0, 0, tok)
	}
}

// BenchmarkRoute is the coordinator's per-request work for a write: token
// of each key, owner in every local rack, owner in the pre-selected rack of
// the remote DC. keys = keys per request, racks = racks per DC.
func BenchmarkRoute(b *testing.B) {
	for _, racks := range []int{1, 3, 5} {
		s := benchSnapshot(b, racks, 3, 16)
		for _, nkeys := range []int{1, 10, 100} {
			keys := benchKeys(nkeys)
			owners := make([]int, 0, racks)
			b.Run(fmt.Sprintf("racks=%d/keys=%d", racks, nkeys), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					for _, key := range keys {
						tok := s.Token(key)
						owners = s.AppendOwners(owners[:0], s.LocalDC(), tok)
						sinkInt = s.Owner(1, s.RemoteRack(1), tok) + owners[0]
					}
				}
			})
		}
	}
}
