package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/dynomite-go/dynomite/bench"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

func TestRunOneLoad(t *testing.T) {
	rs := enginetest.RedisWith(t, enginetest.RedisOptions{Unix: true})
	out := filepath.Join(t.TempDir(), "out.json")
	// Over TCP with memtier's flag spellings, writing JSON.
	args := []string{"-s", "127.0.0.1", "-p", strconv.Itoa(rs.Port), "-t", "1", "-c", "2", "-n", "50",
		"--ratio=1:1", "--hide-histogram", "--json-out-file=" + out}
	if err := run(context.Background(), args); err != nil {
		t.Fatalf("cannot run: %v", err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("cannot open the JSON output: %v", err)
	}
	defer f.Close()
	r, err := bench.ReadJSON(f)
	if err != nil || r.Totals.Count != 100 || r.Sets.Count != 50 {
		t.Fatalf("unexpected JSON result %+v, %v", r, err)
	}
	// Over the Unix socket.
	if err := run(context.Background(), []string{"-S", rs.Socket, "-t", "1", "-c", "1", "-n", "20", "--hide-histogram"}); err != nil {
		t.Fatalf("cannot run over the Unix socket: %v", err)
	}
}

func TestRunBadFlags(t *testing.T) {
	if err := run(context.Background(), []string{"--ratio=x"}); err == nil {
		t.Fatalf("unexpected success with a bad ratio")
	}
	if err := run(context.Background(), []string{"matrix", "-reps", "0"}); err == nil {
		t.Fatalf("unexpected success with -reps 0")
	}
	if err := run(context.Background(), []string{"soak", "-duration", "0s"}); err == nil {
		t.Fatalf("unexpected success with soak -duration 0s")
	}
	if err := run(context.Background(), []string{"-h"}); !errors.Is(err, bench.ErrHelp) {
		t.Fatalf("unexpected result for -h: %v", err)
	}
}
