package perf

import (
	"context"
	"strings"
	"testing"
)

func TestBenchPackages(t *testing.T) {
	pkgs, err := benchPackages(context.Background(), "go", []string{"."})
	if err != nil {
		t.Fatalf("cannot list packages: %v", err)
	}
	if len(pkgs) != 1 || !strings.HasSuffix(pkgs[0], "/perf") {
		t.Fatalf("unexpected packages; got %v; want this one", pkgs)
	}
	if _, err := benchPackages(context.Background(), "go", []string{"./no/such/dir"}); err == nil {
		t.Fatalf("unexpected success for a missing package")
	}
}
