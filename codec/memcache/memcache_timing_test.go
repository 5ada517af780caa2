package memcache

// Run: go test -run '^$' -bench . -benchmem ./codec/memcache

import (
	"strconv"
	"strings"
	"testing"
)

var sinkN int

func BenchmarkParseGet(b *testing.B) {
	for _, keys := range []int{1, 10, 100} {
		b.Run("keys="+strconv.Itoa(keys), func(b *testing.B) {
			var sb strings.Builder
			sb.WriteString("get")
			for i := 0; i < keys; i++ {
				sb.WriteString(" key:00000000" + strconv.Itoa(1000+i))
			}
			sb.WriteString("\r\n")
			benchParse(b, []byte(sb.String()))
		})
	}
}

func BenchmarkParseSet(b *testing.B) {
	for _, size := range []int{32, 1024, 1 << 20} {
		b.Run("value="+strconv.Itoa(size), func(b *testing.B) {
			frame := "set key:000000001000 0 0 " + strconv.Itoa(size) + "\r\n" + strings.Repeat("v", size) + "\r\n"
			benchParse(b, []byte(frame))
		})
	}
}

func BenchmarkParseMeta(b *testing.B) {
	benchParse(b, []byte("mg key:000000001000 v k c f t\r\n"))
}

func benchParse(b *testing.B, frame []byte) {
	var p Parser
	var r Request
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		n, err := p.Parse(frame, &r)
		if err != nil {
			b.Fatal(err)
		}
		sinkN += n
	}
}

func BenchmarkScanGet(b *testing.B) {
	for _, values := range []int{0, 1, 10, 100} {
		b.Run("values="+strconv.Itoa(values), func(b *testing.B) {
			var reply []byte
			for i := 0; i < values; i++ {
				reply = AppendValue(reply, []byte("key:00000000"+strconv.Itoa(1000+i)), 0, []byte(strings.Repeat("v", 32)))
			}
			reply = append(reply, ReplyEnd...)
			benchScan(b, CmdGet, reply)
		})
	}
}

func BenchmarkScanStored(b *testing.B) { benchScan(b, CmdSet, []byte("STORED\r\n")) }

func benchScan(b *testing.B, cmd Command, reply []byte) {
	var s ReplyScanner
	b.ReportAllocs()
	b.SetBytes(int64(len(reply)))
	for b.Loop() {
		n, _, err := s.Scan(reply, cmd)
		if err != nil {
			b.Fatal(err)
		}
		sinkN += n
	}
}

func BenchmarkSplitMerge(b *testing.B) {
	for _, keys := range []int{10, 100} {
		for _, owners := range []int{1, 3, 6} {
			b.Run("keys="+strconv.Itoa(keys)+"/owners="+strconv.Itoa(owners), func(b *testing.B) {
				benchSplitMerge(b, keys, owners)
			})
		}
	}
}

func benchSplitMerge(b *testing.B, keys, owners int) {
	var sb strings.Builder
	sb.WriteString("get")
	for i := 0; i < keys; i++ {
		sb.WriteString(" k" + strconv.Itoa(i))
	}
	sb.WriteString("\r\n")
	r := mustParse(b, sb.String())
	owner := func(key []byte) int {
		n, _ := strconv.Atoi(string(key[1:]))
		return n % owners
	}
	var s Splitter
	frags := s.Split(r, owner)
	replies := make([][]byte, len(frags))
	for i := range frags {
		for _, k := range frags[i].Keys {
			replies[i] = AppendValue(replies[i], r.Keys[k], 0, []byte("value"))
		}
		replies[i] = append(replies[i], ReplyEnd...)
	}
	out := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	for b.Loop() {
		out = out[:0]
		frags := s.Split(r, owner)
		for i := range frags {
			out = AppendFragment(out, r, &frags[i])
		}
		out, _ = s.Merge(out[:0], r, replies)
		sinkN += len(out)
	}
}
