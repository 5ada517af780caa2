package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSlogLevel(t *testing.T) {
	want := []slog.Level{20, 16, 12, slog.LevelError, slog.LevelWarn, slog.LevelInfo, -2, slog.LevelDebug, -6, -8, -10, -12}
	for v, w := range want {
		if got := slogLevel(v); got != w {
			t.Errorf("unexpected slog level for -v %d; got %d; want %d", v, got, w)
		}
	}
	l := newLogLevel(5)
	if got := l.set(12); got != 11 || l.lv.Level() != -12 {
		t.Fatalf("unexpected clamp; got %d %d", got, l.lv.Level())
	}
	if got := l.set(-1); got != 0 || l.lv.Level() != 20 {
		t.Fatalf("unexpected clamp; got %d %d", got, l.lv.Level())
	}
}

func TestLineHandler(t *testing.T) {
	var buf bytes.Buffer
	level := newLogLevel(levelDefault)
	h := newLineHandler(&buf, &level.lv)
	h.now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC) }
	log := slog.New(h)
	log.Info("listening", "addr", "127.0.0.1:8102", "n", 3)
	log.With("peer", "a b").WithGroup("g").Warn("down", "why", `x="y"`, slog.Group("s", "k", 1))
	log.Debug("hidden")
	level.set(7)
	log.Debug("shown", "empty", "")
	got := buf.String()
	// slog.Logger stamps records with time.Now: compare after the timestamp.
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	want := []string{
		`listening addr=127.0.0.1:8102 n=3`,
		`down peer="a b" g.why="x=\"y\"" g.s.k=1`,
		`shown empty=""`,
	}
	if len(lines) != len(want) {
		t.Fatalf("unexpected lines; got %q; want %d lines", got, len(want))
	}
	for i, line := range lines {
		if len(line) < 26 || line[0] != '[' || line[24] != ']' || line[25] != ' ' {
			t.Fatalf("unexpected time prefix; got %q", line)
		}
		if _, err := time.Parse("2006-01-02 15:04:05.000", line[1:24]); err != nil {
			t.Fatalf("unexpected time format in %q: %v", line, err)
		}
		if line[26:] != want[i] {
			t.Fatalf("unexpected line; got %q; want %q", line[26:], want[i])
		}
	}
	buf.Reset()
	h.Handle(context.Background(), slog.Record{Message: "m"})
	if buf.String() != "[2026-01-02 03:04:05.678] m\n" {
		t.Fatalf("unexpected line for a record without time; got %q", buf.String())
	}
}

func TestLogSinkReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dynomite.log")
	s, err := openSink(path, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Write([]byte("one\n"))
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Reopen(); err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("two\n"))
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if string(old) != "one\n" || string(cur) != "two\n" {
		t.Fatalf("unexpected contents; got %q and %q; want \"one\\n\" and \"two\\n\"", old, cur)
	}
}
