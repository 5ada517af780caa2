package seeds_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/seeds"
)

func TestParseRecord(t *testing.T) {
	f := func(rec string, want seeds.Seed) {
		t.Helper()
		got, err := seeds.ParseRecord(rec)
		if err != nil {
			t.Fatalf("unexpected error for %q; got %v", rec, err)
		}
		if got.Host != want.Host || got.Port != want.Port || got.Rack != want.Rack || got.DC != want.DC || !slices.Equal(got.Tokens, want.Tokens) {
			t.Fatalf("unexpected seed for %q; got %+v; want %+v", rec, got, want)
		}
		again, err := seeds.ParseRecord(string(seeds.AppendRecord(nil, got)))
		if err != nil || again.Addr() != got.Addr() {
			t.Fatalf("unexpected round trip of %q; got %+v, %v", rec, again, err)
		}
	}
	f("10.0.0.1:8101:rack1:dc1:0", seeds.Seed{Host: "10.0.0.1", Port: 8101, Rack: "rack1", DC: "dc1", Tokens: []uint32{0}})
	f("ec2-54-1.compute-1.amazonaws.com:8101:dyno_pds--useast1e:us-east-1:1383429731",
		seeds.Seed{Host: "ec2-54-1.compute-1.amazonaws.com", Port: 8101, Rack: "dyno_pds--useast1e", DC: "us-east-1", Tokens: []uint32{1383429731}})
	f("::1:8101:r:d:1,2", seeds.Seed{Host: "::1", Port: 8101, Rack: "r", DC: "d", Tokens: []uint32{1, 2}})
	f("[fe80::1]:8101:r:d:4294967295", seeds.Seed{Host: "fe80::1", Port: 8101, Rack: "r", DC: "d", Tokens: []uint32{4294967295}})
	// C folds a token above 2^32-1 into 32 bits; so does ring.ParseTokens.
	f("h:1:r:d:4294967296", seeds.Seed{Host: "h", Port: 1, Rack: "r", DC: "d", Tokens: []uint32{0}})
}

func TestParseRecordErrors(t *testing.T) {
	for _, rec := range []string{
		"10.0.0.1:8101:rack1:dc1", // a field missing
		"10.0.0.1:8101:rack1:dc1:",
		"10.0.0.1:8101:rack1:dc1:x1",
		"10.0.0.1:8101:rack1:dc1:-1",
		"10.0.0.1:8101:rack1:dc1:1,1",
		"10.0.0.1:0:rack1:dc1:1",
		"10.0.0.1:65536:rack1:dc1:1",
		"10.0.0.1:+80:rack1:dc1:1",
		":8101:rack1:dc1:1",
		"bad host:8101:rack1:dc1:1",
		"fe80::1%eth0:8101:r:d:1",
		"h:8101::dc1:1",
		"h:8101:r$x:dc1:1",
		"h:8101:r:d,c:1",
		"h:8101:r:" + strings.Repeat("d", 256) + ":1",
		strings.Repeat("a", 254) + ":8101:r:d:1",
		"\x00\xff:8101:r:d:1",
	} {
		_, err := seeds.ParseRecord(rec)
		if !errors.Is(err, seeds.ErrBadRecord) {
			t.Errorf("unexpected result for %q; got %v; want ErrBadRecord", rec, err)
		}
	}
}

func TestParseList(t *testing.T) {
	list := " 10.0.0.1:8101:rack1:dc1:0|garbage|\r\n10.0.0.2:8101:rack2:dc1:0||10.0.0.3:8101:rack1:dc1:x|\n"
	got, skips, err := seeds.Parse(list, seeds.Limits{})
	if err != nil {
		t.Fatalf("unexpected error; got %v", err)
	}
	if len(got) != 2 || got[0].Host != "10.0.0.1" || got[1].Host != "10.0.0.2" {
		t.Fatalf("unexpected seeds; got %+v", got)
	}
	if len(skips) != 2 || skips[0].Index != 1 || skips[1].Index != 4 || !errors.Is(skips[1].Err, seeds.ErrBadRecord) {
		t.Fatalf("unexpected skips; got %v", skips)
	}
	if s := string(seeds.AppendList(nil, got)); s != "10.0.0.1:8101:rack1:dc1:0|10.0.0.2:8101:rack2:dc1:0" {
		t.Fatalf("unexpected list; got %q", s)
	}
}

func TestParseLimits(t *testing.T) {
	garbage := strings.Repeat("\xfe:|$,", 1<<20/5)
	if _, _, err := seeds.Parse(garbage, seeds.Limits{}); !errors.Is(err, seeds.ErrTooLong) {
		t.Fatalf("unexpected result for 1 MiB of garbage; got %v", err)
	}
	flood := strings.Repeat("|", 2000)
	if _, _, err := seeds.Parse(flood, seeds.Limits{}); !errors.Is(err, seeds.ErrTooMany) {
		t.Fatalf("unexpected result for a flood of records; got %v", err)
	}
	// Garbage within the limits: every record skipped, each Skip short.
	junk := strings.Repeat(strings.Repeat("x", 200)+"|", 1000)
	got, skips, err := seeds.Parse(junk, seeds.Limits{})
	if err != nil || len(got) != 0 || len(skips) != 1000 {
		t.Fatalf("unexpected result for junk; got %d seeds, %d skips, %v", len(got), len(skips), err)
	}
	for _, s := range skips {
		if len(s.Record) > 80 {
			t.Fatalf("unexpected long skip record; got %d bytes", len(s.Record))
		}
	}
}

func self() seeds.Self {
	return seeds.Self{
		Node:  ring.Node{Name: "0.0.0.0:8101", Addr: "0.0.0.0:8101", DC: "dc1", Rack: "rack1", Tokens: []uint32{0}},
		Addrs: []string{"10.0.0.1:8101"},
	}
}

func TestBuild(t *testing.T) {
	hash, _ := ring.HashByName("murmur")
	list, _, _ := seeds.Parse("10.0.0.3:8101:rack2:dc1:0|10.0.0.1:8101:rack1:dc1:0|10.0.0.2:8101:rack1:dc1:2147483648|10.0.0.4:8101:rack1:dc2:0", seeds.Limits{})
	snap, skips, err := seeds.Build(self(), list, hash, "")
	if err != nil || len(skips) != 0 {
		t.Fatalf("unexpected result; got %v, %v", skips, err)
	}
	var names []string
	for i := range snap.Nodes() {
		names = append(names, snap.Node(i).Name)
	}
	want := []string{"0.0.0.0:8101", "10.0.0.2:8101", "10.0.0.3:8101", "10.0.0.4:8101"}
	if !slices.Equal(names, want) {
		t.Fatalf("unexpected nodes; got %v; want %v", names, want)
	}
	// The same content in another order gives the same node order.
	slices.Reverse(list)
	snap2, _, _ := seeds.Build(self(), list, hash, "")
	for i := range snap.Nodes() {
		if snap2.Node(i).Name != names[i] {
			t.Fatalf("unexpected order after reversing the list; got %s at %d", snap2.Node(i).Name, i)
		}
	}
}

func TestBuildConflicts(t *testing.T) {
	hash, _ := ring.HashByName("murmur")
	list := []string{
		"10.0.0.9:8101:rack1:dc1:0",   // this node's token at another address
		"10.0.0.1:8101:rack1:dc1:5",   // this node's address, another token
		"10.0.0.2:8101:rack1:dc1:7",   // accepted
		"10.0.0.3:8101:rack1:dc1:7",   // token 7 already held
		"10.0.0.2:8101:rack2:dc1:1",   // second record for an address
		"10.0.0.4:8101:rack1:dc1:8,7", // one of its tokens held
		"10.0.0.5:8101:rack1:dc2:0",   // accepted: another DC
		"0.0.0.0:8101:rack1:dc1:0",    // this node itself: dropped silently
	}
	var in []seeds.Seed
	for _, r := range list {
		s, err := seeds.ParseRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, s)
	}
	snap, skips, err := seeds.Build(self(), in, hash, "")
	if err != nil {
		t.Fatalf("unexpected error; got %v", err)
	}
	if snap.Nodes() != 3 {
		t.Fatalf("unexpected node count; got %d; want 3", snap.Nodes())
	}
	var idx []int
	for _, s := range skips {
		if !errors.Is(s.Err, seeds.ErrConflict) {
			t.Fatalf("unexpected skip error; got %v", s.Err)
		}
		idx = append(idx, s.Index)
	}
	if !slices.Equal(idx, []int{0, 1, 3, 4, 5}) {
		t.Fatalf("unexpected skipped records; got %v (%v)", idx, skips)
	}
}
