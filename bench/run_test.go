package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Threads, cfg.Clients, cfg.Requests = 2, 2, 1000 // 4000 requests in all
	lives := []*live{new(live), new(live), new(live), new(live)}
	for _, l := range lives {
		l.ops.Store(500)
		l.bytes.Store(512 << 10)
		l.latSum.Store(500 * 250) // 0.25 ms each
	}
	lives[2].done.Store(true)
	lives[3].done.Store(true) // the second thread has finished
	var b bytes.Buffer
	start := time.Unix(100, 0)
	p := progress{cfg: &cfg, start: start, prev: start, lives: lives, w: &b}
	p.line(start.Add(2 * time.Second))
	want := "[RUN #1 50%,   2 secs]  1 threads:        2000 ops,    1000 (avg:    1000) ops/sec, 1.00MB/sec (avg: 1.00MB/sec),  0.25 (avg:  0.25) msec latency\r"
	if b.String() != want {
		t.Fatalf("unexpected progress line;\ngot  %q\nwant %q", b.String(), want)
	}
	// The next line shows the rates since the previous one.
	b.Reset()
	lives[0].ops.Add(1000)
	lives[0].latSum.Add(1000 * 1000)
	p.line(start.Add(3 * time.Second))
	if !strings.Contains(b.String(), "3000 ops,    1000 (avg:    1000) ops/sec") || !strings.Contains(b.String(), " 1.00 (avg:  0.50) msec") {
		t.Fatalf("unexpected second line %q", b.String())
	}
}

func TestSizeString(t *testing.T) {
	f := func(b float64, want string) {
		t.Helper()
		if got := sizeString(b); got != want {
			t.Errorf("unexpected size for %v; got %q; want %q", b, got, want)
		}
	}
	f(0, "0.00KB")
	f(1536, "1.50KB")
	f(3<<20, "3.00MB")
	f(5<<30, "5.00GB")
}
