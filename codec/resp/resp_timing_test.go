package resp

// Benchmarks of the hot path. Run with:
//
//	go test -run '^$' -bench . -benchmem ./codec/resp

import (
	"strconv"
	"testing"
)

var sinkInt int

func BenchmarkParse(b *testing.B) {
	frames := map[string][]byte{
		"get":    []byte("*2\r\n$3\r\nGET\r\n$16\r\nkey:000000000001\r\n"),
		"set32":  AppendCommand(nil, []byte("SET"), []byte("key:000000000001"), make([]byte, 32)),
		"set1k":  AppendCommand(nil, []byte("SET"), []byte("key:000000000001"), make([]byte, 1024)),
		"inline": []byte("GET key:000000000001\r\n"),
	}
	for _, name := range []string{"get", "set32", "set1k", "inline"} {
		frame := frames[name]
		b.Run(name, func(b *testing.B) {
			var p Parser
			var r Request
			b.ReportAllocs()
			b.SetBytes(int64(len(frame)))
			for b.Loop() {
				n, err := p.Parse(frame, &r)
				if err != nil {
					b.Fatal(err)
				}
				sinkInt += n
			}
		})
	}
}

func BenchmarkParseMGET(b *testing.B) {
	for _, keys := range []int{1, 10, 100} {
		args := [][]byte{[]byte("MGET")}
		for i := 0; i < keys; i++ {
			args = append(args, []byte("key:"+strconv.Itoa(100000+i)))
		}
		frame := AppendCommand(nil, args...)
		b.Run("keys="+strconv.Itoa(keys), func(b *testing.B) {
			var p Parser
			var r Request
			b.ReportAllocs()
			b.SetBytes(int64(len(frame)))
			for b.Loop() {
				n, _ := p.Parse(frame, &r)
				sinkInt += n
			}
		})
	}
}

func BenchmarkLookup(b *testing.B) {
	name := []byte("GET")
	b.ReportAllocs()
	for b.Loop() {
		if Lookup(name) == nil {
			b.Fatal("no get")
		}
	}
}

func BenchmarkScanReply(b *testing.B) {
	mget := AppendArray(nil, 10)
	for i := 0; i < 10; i++ {
		mget = AppendBulk(mget, make([]byte, 32))
	}
	replies := map[string][]byte{
		"ok":      []byte("+OK\r\n"),
		"bulk32":  AppendBulk(nil, make([]byte, 32)),
		"mget=10": mget,
	}
	for _, name := range []string{"ok", "bulk32", "mget=10"} {
		reply := replies[name]
		b.Run(name, func(b *testing.B) {
			var s ReplyScanner
			b.ReportAllocs()
			b.SetBytes(int64(len(reply)))
			for b.Loop() {
				n, _ := s.Scan(reply)
				sinkInt += n
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	val := make([]byte, 32)
	dst := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendBulk(dst[:0], val)
		dst = AppendInt(dst, 123456)
		dst = append(dst, ReplyOK...)
		sinkInt += len(dst)
	}
}

func BenchmarkSplitMerge(b *testing.B) {
	for _, keys := range []int{10, 100} {
		for _, owners := range []int{3, 12} {
			args := [][]byte{[]byte("mget")}
			for i := 0; i < keys; i++ {
				args = append(args, []byte("key:"+strconv.Itoa(100000+i)))
			}
			req := Request{Args: args, Cmd: LookupArgs(args)}
			owner := func(k []byte) int { return int(k[len(k)-1]) % owners }
			var sp Split
			buf, _ := sp.Split(nil, &req, owner)
			replies := make([][]byte, len(sp.Parts))
			for i, p := range sp.Parts {
				r := AppendArray(nil, p.Keys)
				for j := 0; j < p.Keys; j++ {
					r = AppendBulk(r, make([]byte, 32))
				}
				replies[i] = r
			}
			out := make([]byte, 0, 64*keys)
			b.Run("keys="+strconv.Itoa(keys)+"/owners="+strconv.Itoa(owners), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(buf)))
				for b.Loop() {
					buf, _ = sp.Split(buf[:0], &req, owner)
					out, _ = sp.Merge(out[:0], replies)
					sinkInt += len(out)
				}
			})
		}
	}
}
