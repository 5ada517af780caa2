package dnode_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/dynomite-go/dynomite/codec/dnode"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the encoder")

// goldenFrames are whole frames (header + payload). For the frames quoted
// in docs/compat.md §5.1 the test also checks the encoder against that text, so
// a golden file can only be rewritten to what the document says.
var goldenFrames = []struct {
	file    string
	h       dnode.Header
	payload string
	spec    string // the frame as quoted in docs/compat.md §5.1, if it is one
}{
	{
		file:    "set_plain.golden", // what scripts/dynomite/dynomite-test.sh sends
		h:       dnode.Plain(1, dnode.TypeReq, true, 0),
		payload: "*3\r\n$3\r\nset\r\n$4\r\nfoo1\r\n$4\r\nbar1\r\n",
		spec:    "   $2014$ 1 3 0 1 1 *1 d *0\r\n*3\r\n$3\r\nset\r\n$4\r\nfoo1\r\n$4\r\nbar1\r\n",
	},
	{
		file:    "get_request.golden",
		h:       dnode.Plain(17, dnode.TypeReq, true, 22),
		payload: getPayload,
		spec:    getHeader + getPayload,
	},
	{
		file:    "get_reply.golden", // payload_len is the payload's length
		h:       dnode.Plain(17, dnode.TypeRes, true, 9),
		payload: "$3\r\nbar\r\n",
		spec:    "   $2014$ 17 5 0 1 1 *1 d *9\r\n$3\r\nbar\r\n",
	},
	{
		file:    "forward_remote_dc.golden",
		h:       dnode.Plain(4242, dnode.TypeReqForward, false, 31),
		payload: "*3\r\n$3\r\nset\r\n$3\r\nfoo\r\n$3\r\nbar\r\n",
	},
	{
		file:    "gossip_syn.golden", // docs/compat.md §6.3: one announcement record
		h:       dnode.Gossip(3, true, 47),
		payload: "dc1$rack1$2147483648,1700000000,2,10.0.0.2:8101",
	},
	{
		file: "encrypted_with_key.golden", // docs/compat.md §5.4: key blob of a 1024-bit RSA key, 32-byte ciphertext
		h: dnode.Header{MsgID: 8, Type: dnode.TypeReq, Flags: dnode.FlagEncrypted, Version: 1, SameDC: false,
			Data: bytes.Repeat([]byte{0xa5, 0x00, '\r', '\n'}, 32), PayloadLen: 32},
		payload: string(bytes.Repeat([]byte{0x5a, '$'}, 16)),
	},
}

func TestGolden(t *testing.T) {
	for _, g := range goldenFrames {
		frame := append(dnode.AppendHeader(nil, g.h), g.payload...)
		if g.spec != "" && string(frame) != g.spec {
			t.Errorf("%s: unexpected frame; got %q; want the spec's %q", g.file, frame, g.spec)
		}
		path := filepath.Join("testdata", g.file)
		if *update {
			if err := os.WriteFile(path, frame, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(frame, want) {
			t.Errorf("%s: unexpected encoding; got %q; want %q", g.file, frame, want)
		}
		// The golden bytes parse back to the same header and payload
		// (payload_len 0: an unencrypted frame that does not announce it).
		var p dnode.Parser
		var h dnode.Header
		skipped, n, err := p.Parse(want, &h)
		if err != nil || skipped != 0 || !equalHeader(h, g.h) {
			t.Errorf("%s: unexpected Parse; got %d, %d, %v, %+v; want 0, n, nil, %+v", g.file, skipped, n, err, h, g.h)
			continue
		}
		if got := string(want[n:]); got != g.payload || (h.PayloadLen != 0 && int(h.PayloadLen) != len(got)) {
			t.Errorf("%s: unexpected payload; got %q (payload_len %d); want %q", g.file, got, h.PayloadLen, g.payload)
		}
	}
}
