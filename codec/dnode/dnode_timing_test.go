package dnode_test

// Run: go test -run '^$' -bench . -benchmem ./codec/dnode/

import (
	"bytes"
	"testing"

	"github.com/dynomite-go/dynomite/codec/dnode"
)

var sinkInt int

func BenchmarkParse(b *testing.B) {
	keyed := dnode.AppendHeader(nil, dnode.Header{MsgID: 123456789, Type: dnode.TypeReq, Flags: dnode.FlagEncrypted,
		Version: 1, Data: bytes.Repeat([]byte{'k'}, 128), PayloadLen: 4096})
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"plain", []byte(getHeader + getPayload)},
		{"key=128", keyed},
		{"garbage=64", append(bytes.Repeat([]byte("x"), 64), getHeader...)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var p dnode.Parser
			var h dnode.Header
			b.ReportAllocs()
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				s, n, _ := p.Parse(c.in, &h)
				sinkInt = s + n
			}
		})
	}
}

func BenchmarkAppendHeader(b *testing.B) {
	h := dnode.Plain(123456789, dnode.TypeReq, true, 22)
	dst := make([]byte, 0, 128)
	b.ReportAllocs()
	b.SetBytes(int64(len(dnode.AppendHeader(nil, h))))
	for b.Loop() {
		dst = dnode.AppendHeader(dst[:0], h)
	}
	sinkInt = len(dst)
}
