package gossip_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/ring/gossip"
)

func TestAppendRecord(t *testing.T) {
	// The payload of codec/dnode's gossip_syn.golden: one announcement.
	r := gossip.Record{DC: "dc1", Rack: "rack1", Token: 2147483648, TS: 1700000000, State: gossip.WritesOnly, Addr: "10.0.0.2:8101"}
	const want = "dc1$rack1$2147483648,1700000000,2,10.0.0.2:8101"
	if got := string(gossip.AppendRecord(nil, r)); got != want {
		t.Fatalf("unexpected record; got %q; want %q", got, want)
	}
	recs := []gossip.Record{
		{DC: "us-east-1", Rack: "r1", Token: 0, TS: 1700000001, State: gossip.Normal, Addr: "10.0.0.1"},
		{DC: "us-east-1", Rack: "r2", Token: 4294967295, TS: 1010101, State: gossip.Down, Addr: "ec2-1.example.com"},
	}
	const table = "us-east-1$r1$0,1700000001,4,10.0.0.1|us-east-1$r2$4294967295,1010101,8,ec2-1.example.com"
	if got := string(gossip.AppendTable(nil, recs)); got != table {
		t.Fatalf("unexpected table; got %q; want %q", got, table)
	}
	got, skips, err := gossip.Decode([]byte(table), gossip.Limits{})
	if err != nil || len(skips) != 0 || !slices.Equal(got, recs) {
		t.Fatalf("unexpected decode; got %+v, %v, %v", got, skips, err)
	}
}

func TestDecodeSkips(t *testing.T) {
	payload := strings.Join([]string{
		"dc$r$1,2,4,10.0.0.1",   // good
		"dc$r$1,2,4",            // a field missing
		"dc$r$x,2,4,10.0.0.1",   // bad token
		"dc$r$1,-2,4,10.0.0.1",  // bad timestamp
		"dc$r$1,2,5,10.0.0.1",   // state 5 is not defined
		"dc$r$1,2,256,10.0.0.1", // state out of range
		"r$1,2,4,10.0.0.1",      // no dc
		"dc$$1,2,4,10.0.0.1",    // empty rack
		"dc$r$1,2,4,bad host",   // bad address
		"dc$r$1,2,4,h:0",        // bad port
		"",                      // empty
		"d$c$r$1,2,4,h",         // '$' in the dc
		"dc$r$2,3,7,h:8101",     // good
	}, "|")
	got, skips, err := gossip.Decode([]byte(payload), gossip.Limits{})
	if err != nil {
		t.Fatalf("unexpected error; got %v", err)
	}
	if len(got) != 2 || got[0].Token != 1 || got[1].State != gossip.Joining || got[1].Addr != "h:8101" {
		t.Fatalf("unexpected records; got %+v", got)
	}
	if len(skips) != 11 {
		t.Fatalf("unexpected skip count; got %d: %v", len(skips), skips)
	}
	for _, s := range skips {
		if !errors.Is(s.Err, gossip.ErrBadRecord) {
			t.Fatalf("unexpected skip error; got %v", s)
		}
	}
}

func TestDecodeLimits(t *testing.T) {
	if _, _, err := gossip.Decode([]byte(strings.Repeat("\x00|$,", 1<<18)), gossip.Limits{}); !errors.Is(err, gossip.ErrTooLong) {
		t.Fatalf("unexpected result for 1 MiB of garbage; got %v", err)
	}
	if _, _, err := gossip.Decode([]byte(strings.Repeat("|", 5000)), gossip.Limits{}); !errors.Is(err, gossip.ErrTooMany) {
		t.Fatalf("unexpected result for a flood of records; got %v", err)
	}
}

func TestSplitAddr(t *testing.T) {
	f := func(addr string, host string, port int) {
		t.Helper()
		h, p, err := gossip.SplitAddr(addr, 8101)
		if err != nil || h != host || p != port {
			t.Fatalf("unexpected split of %q; got %q %d %v", addr, h, p, err)
		}
	}
	f("10.0.0.1", "10.0.0.1", 8101)
	f("node-1.example", "node-1.example", 8101)
	f("10.0.0.1:8103", "10.0.0.1", 8103)
	f("[fe80::1]:9", "fe80::1", 9)
	f("fe80::1", "fe80::1", 8101)
	if _, _, err := gossip.SplitAddr("a b:1", 1); !errors.Is(err, gossip.ErrBadRecord) {
		t.Fatalf("unexpected result; got %v", err)
	}
}

func TestStateString(t *testing.T) {
	if gossip.Normal.String() != "NORMAL" || gossip.State(5).String() != "State(5)" || gossip.State(5).Known() || !gossip.Reset.Known() {
		t.Fatal("unexpected state names")
	}
}
