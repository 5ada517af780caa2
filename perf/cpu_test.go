package perf

import (
	"bytes"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	in := Detect()
	if in.NumCPU < 1 || in.GOMAXPROCS < 1 {
		t.Fatalf("unexpected NumCPU/GOMAXPROCS; got %d/%d; want >= 1", in.NumCPU, in.GOMAXPROCS)
	}
	if in.Go == "" {
		t.Fatalf("unexpected empty Go version")
	}
	var b bytes.Buffer
	if _, err := in.WriteTo(&b); err != nil {
		t.Fatalf("cannot write info: %v", err)
	}
	out := b.String()
	for _, want := range []string{"cpu:", "cores:", "caches:", "features:"} {
		if !strings.Contains(out, want) {
			t.Errorf("unexpected output without %q; got %q", want, out)
		}
	}
	t.Logf("\n%s", out)
}

func TestSize(t *testing.T) {
	f := func(b int, want string) {
		t.Helper()
		if got := size(b); got != want {
			t.Errorf("unexpected size(%d); got %q; want %q", b, got, want)
		}
	}
	f(-1, "?")
	f(0, "?")
	f(64, "64 B")
	f(32<<10, "32 KiB")
	f(512<<10, "512 KiB")
	f(32<<20, "32 MiB")
	f(1<<20+1<<10, "1025 KiB")
}
