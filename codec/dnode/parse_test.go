package dnode_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/codec/dnode"
)

// The GET frame of docs/compat.md §5.1.
const (
	getHeader  = "   $2014$ 17 3 0 1 1 *1 d *22\r\n"
	getPayload = "*2\r\n$3\r\nget\r\n$3\r\nfoo\r\n"
)

func equalHeader(a, b dnode.Header) bool {
	return a.MsgID == b.MsgID && a.Type == b.Type && a.Flags == b.Flags && a.Version == b.Version &&
		a.SameDC == b.SameDC && bytes.Equal(a.Data, b.Data) && a.PayloadLen == b.PayloadLen
}

func hdr(id uint64, t dnode.Type, flags dnode.Flags, sameDC bool, data string, plen uint32) dnode.Header {
	return dnode.Header{MsgID: id, Type: t, Flags: flags, Version: 1, SameDC: sameDC, Data: []byte(data), PayloadLen: plen}
}

func TestParse(t *testing.T) {
	key := strings.Repeat("K", 128)
	for _, c := range []struct {
		name    string
		in      string
		skipped int
		n       int // -1: len(in)
		want    dnode.Header
	}{
		{"spec GET", getHeader + getPayload, 0, len(getHeader), hdr(17, dnode.TypeReq, 0, true, "d", 22)},
		{"spec set with *0", "   $2014$ 1 3 0 1 1 *1 d *0\r\n*3\r\n", 0, 29, hdr(1, dnode.TypeReq, 0, true, "d", 0)},
		{"reply", "   $2014$ 17 5 0 1 1 *1 d *9\r\n", 0, -1, hdr(17, dnode.TypeRes, 0, true, "d", 9)},
		{"no leading spaces", "$2014$ 2 4 0 1 0 *1 d *0\r\n", 0, -1, hdr(2, dnode.TypeReqForward, 0, false, "d", 0)},
		{"more leading spaces", "     $2014$ 2 4 0 1 0 *1 d *0\r\n", 0, -1, hdr(2, dnode.TypeReqForward, 0, false, "d", 0)},
		{"garbage before", "xyz   $2014$ 3 5 0 1 1 *1 d *0\r\n", 3, 29, hdr(3, dnode.TypeRes, 0, true, "d", 0)},
		{"partial magic before", "$2014x   $2014$ 3 5 0 1 1 *1 d *0\r\n", 6, 29, hdr(3, dnode.TypeRes, 0, true, "d", 0)},
		{"bad candidate resync", "$2014$ 1 3 X   $2014$ 3 5 0 1 1 *1 d *0\r\n", 12, 29, hdr(3, dnode.TypeRes, 0, true, "d", 0)},
		{"bad CRLF resync", "$2014$ 1 3 0 1 1 *1 d *0\n\r   $2014$ 3 5 0 1 1 *1 d *0\r\n", 26, 29, hdr(3, dnode.TypeRes, 0, true, "d", 0)},
		{"gossip", "   $2014$ 99 7 0 1 1 *1 a *5\r\n", 0, -1, hdr(99, dnode.TypeGossipSyn, 0, true, "a", 5)},
		{"flags keep low 4 bits", "   $2014$ 1 3 17 1 1 *1 d *0\r\n", 0, -1, hdr(1, dnode.TypeReq, 1, true, "d", 0)},
		{"flags 15", "   $2014$ 1 3 15 1 1 *1 d *0\r\n", 0, -1, hdr(1, dnode.TypeReq, 15, true, "d", 0)},
		{"unknown type", "   $2014$ 1 200 0 1 1 *1 d *0\r\n", 0, -1, hdr(1, dnode.Type(200), 0, true, "d", 0)},
		{"empty data", "   $2014$ 1 3 0 1 1 *0  *0\r\n", 0, -1, hdr(1, dnode.TypeReq, 0, true, "", 0)},
		{"magic inside data", "   $2014$ 1 3 0 1 1 *8 $2014$ x *0\r\n", 0, -1, hdr(1, dnode.TypeReq, 0, true, "$2014$ x", 0)},
		{"encrypted with key", "   $2014$ 5 3 1 1 0 *128 " + key + " *48\r\n", 0, -1, hdr(5, dnode.TypeReq, 1, false, key, 48)},
		{"max msg id", "   $2014$ 18446744073709551615 5 0 1 1 *1 d *0\r\n", 0, -1, hdr(1<<64-1, dnode.TypeRes, 0, true, "d", 0)},
		{"max payload", "   $2014$ 1 3 1 1 1 *1 d *536870912\r\n", 0, -1, hdr(1, dnode.TypeReq, 1, true, "d", 512<<20)},
	} {
		var p dnode.Parser
		var h dnode.Header
		skipped, n, err := p.Parse([]byte(c.in), &h)
		wantN := c.n
		if wantN < 0 {
			wantN = len(c.in) - c.skipped
		}
		if err != nil || skipped != c.skipped || n != wantN || !equalHeader(h, c.want) {
			t.Errorf("%s: unexpected Parse(%q); got %d, %d, %v, %+v; want %d, %d, nil, %+v",
				c.name, c.in, skipped, n, err, h, c.skipped, wantN, c.want)
		}
	}
}

func TestParseIncompleteAndErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		in      string
		lim     dnode.Limits
		skipped int
		err     error
	}{
		{"empty", "", dnode.Limits{}, 0, dnode.ErrIncomplete},
		{"garbage only", "abc", dnode.Limits{}, 3, dnode.ErrIncomplete},
		{"garbage and spaces", "abc  ", dnode.Limits{}, 3, dnode.ErrIncomplete},
		{"partial magic", "   $20", dnode.Limits{}, 0, dnode.ErrIncomplete},
		{"garbage, partial magic", "garbage $201", dnode.Limits{}, 7, dnode.ErrIncomplete},
		{"dollar not magic", "ab$x", dnode.Limits{}, 4, dnode.ErrIncomplete},
		{"header without LF", getHeader[:len(getHeader)-1], dnode.Limits{}, 0, dnode.ErrIncomplete},
		{"in msg id", "   $2014$ 17", dnode.Limits{}, 0, dnode.ErrIncomplete},
		{"data not there", "   $2014$ 1 3 1 1 1 *128 abc", dnode.Limits{}, 0, dnode.ErrIncomplete},
		{"msg id overflow resyncs", "   $2014$ 18446744073709551616 5 0 1 1 *1 d *0\r\n", dnode.Limits{}, 48, dnode.ErrIncomplete},
		{"type over 255 resyncs", "xx$2014$ 1 256 0 1 1 *1 d *0\r\n", dnode.Limits{}, 30, dnode.ErrIncomplete},
		{"data over limit", "   $2014$ 1 3 1 1 1 *4097 ", dnode.Limits{}, 0, dnode.ErrDataTooLong},
		{"data over custom limit", "ab$2014$ 1 3 1 1 1 *129", dnode.Limits{MaxData: 128}, 2, dnode.ErrDataTooLong},
		{"data too many digits", "   $2014$ 1 3 1 1 1 *00000000001", dnode.Limits{}, 0, dnode.ErrDataTooLong},
		{"payload over limit", "   $2014$ 1 3 1 1 1 *1 d *536870913", dnode.Limits{}, 0, dnode.ErrPayloadTooLong},
		{"payload over uint32", "   $2014$ 1 3 1 1 1 *1 d *4294967296\r\n", dnode.Limits{MaxPayload: 1 << 40}, 0, dnode.ErrPayloadTooLong},
		{"payload over custom limit", "   $2014$ 1 3 1 1 1 *1 d *1025", dnode.Limits{MaxPayload: 1024}, 0, dnode.ErrPayloadTooLong},
	} {
		p := dnode.Parser{Limits: c.lim}
		h := dnode.Header{MsgID: 77}
		skipped, n, err := p.Parse([]byte(c.in), &h)
		if !errors.Is(err, c.err) || skipped != c.skipped || n != 0 || h.MsgID != 77 {
			t.Errorf("%s: unexpected Parse(%q); got %d, %d, %v, id %d; want %d, 0, %v, header untouched",
				c.name, c.in, skipped, n, err, h.MsgID, c.skipped, c.err)
		}
	}
}

func TestType(t *testing.T) {
	for _, c := range []struct {
		t    dnode.Type
		want string
	}{
		{dnode.TypeUnknown, "DMSG_UNKNOWN"}, {dnode.TypeReq, "DMSG_REQ"}, {dnode.TypeReqForward, "DMSG_REQ_FORWARD"},
		{dnode.TypeRes, "DMSG_RES"}, {dnode.TypeCryptoHandshake, "CRYPTO_HANDSHAKE"}, {dnode.TypeGossipSyn, "GOSSIP_SYN"},
		{dnode.TypeGossipShutdown, "GOSSIP_SHUTDOWN"}, {dnode.Type(14), "Type(14)"},
	} {
		if got := c.t.String(); got != c.want {
			t.Errorf("unexpected String of %d; got %q; want %q", uint8(c.t), got, c.want)
		}
	}
	if !dnode.TypeGossipShutdown.Known() || dnode.Type(14).Known() {
		t.Errorf("unexpected Known")
	}
	if !dnode.TypeReq.IsRequest() || !dnode.TypeReqForward.IsRequest() || dnode.TypeRes.IsRequest() {
		t.Errorf("unexpected IsRequest")
	}
}

func TestHeaderHelpers(t *testing.T) {
	h := dnode.Plain(9, dnode.TypeRes, false, 4)
	if got := string(dnode.AppendHeader(nil, h)); got != "   $2014$ 9 5 0 1 0 *1 d *4\r\n" {
		t.Fatalf("unexpected Plain header; got %q", got)
	}
	g := dnode.Gossip(3, true, 10)
	if got := string(dnode.AppendHeader([]byte("x"), g)); got != "x   $2014$ 3 7 0 1 1 *1 a *10\r\n" {
		t.Fatalf("unexpected Gossip header; got %q", got)
	}
	if h.Encrypted() || h.CarriesKey() {
		t.Fatalf("plain header reported encrypted")
	}
	e := hdr(1, dnode.TypeReq, dnode.FlagEncrypted, true, "d", 16)
	if !e.Encrypted() || e.CarriesKey() {
		t.Fatalf("unexpected Encrypted/CarriesKey for placeholder data")
	}
	e.Data = make([]byte, 128)
	if !e.CarriesKey() {
		t.Fatalf("unexpected CarriesKey for 128-byte data")
	}
}
