package stats

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("cannot update %s: %v", path, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cannot read golden file: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("unexpected %s; got\n%s\nwant\n%s", name, got, want)
	}
}

func TestDescribeGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Describe(&b); err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	golden(t, "describe.golden", b.Bytes())
}

func TestDescribeVersion(t *testing.T) {
	var b bytes.Buffer
	if err := DescribeVersion(&b, "v0.6.21"); err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	const head = "This is dynomite-v0.6.21\n\npool stats:\n  client_eof          \"# eof on client connections\"\n"
	if !strings.HasPrefix(b.String(), head) {
		t.Fatalf("unexpected head; got %q; want prefix %q", b.String()[:len(head)], head)
	}
}

func TestTableShape(t *testing.T) {
	seen := map[string]bool{}
	for i, d := range Table() {
		m := Metric(i)
		if seen[d.Name] {
			t.Fatalf("duplicate metric %q", d.Name)
		}
		seen[d.Name] = true
		wantScope := PoolScope
		if m >= firstServer {
			wantScope = ServerScope
		}
		if d.Scope != wantScope || d.Kind == 0 || d.Help == "" {
			t.Fatalf("unexpected row %d: %+v", i, d)
		}
		if got, ok := Lookup(d.Name); !ok || got != m {
			t.Fatalf("unexpected Lookup(%q); got %d %v; want %d", d.Name, got, ok, m)
		}
	}
	// C Dynomite's 45 pool rows, then the ones it lacks: client_auth_failures
	// and the client and peer TLS handshake failures.
	if n := int(firstServer); n != 45+3 {
		t.Fatalf("unexpected pool metric count; got %d; want 45+3", n)
	}
	if n := NumMetrics - int(firstServer); n != 34 {
		t.Fatalf("unexpected server metric count; got %d; want 34", n)
	}
}
