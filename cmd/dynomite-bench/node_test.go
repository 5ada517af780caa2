package main

import (
	"context"
	"testing"
)

// TestFloridaEnv: -florida sets the florida variables the node reads.
func TestFloridaEnv(t *testing.T) {
	get, err := floridaEnv("127.0.0.1:8088")
	if err != nil {
		t.Fatal(err)
	}
	if ip, port := get("DYNOMITE_FLORIDA_IP"), get("DYNOMITE_FLORIDA_PORT"); ip != "127.0.0.1" || port != "8088" {
		t.Fatalf("florida ip %q port %q", ip, port)
	}
	for _, bad := range []string{"8088", ":8088", "127.0.0.1:"} {
		if _, err := floridaEnv(bad); err == nil {
			t.Fatalf("-florida %q accepted", bad)
		}
	}
}

// TestRunNodeUsage: node refuses a missing configuration, a bad interval
// and a missing file with an error, before it starts anything.
func TestRunNodeUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"-c", "x.yml", "extra"}, {"-c", "x.yml", "-seed-interval", "0s"}, {"-c", t.TempDir() + "/missing.yml"}} {
		if err := runNode(context.Background(), args); err == nil {
			t.Fatalf("node %q: no error", args)
		}
	}
}
