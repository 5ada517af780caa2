package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
)

// fakeNode records what serve does with a node.
type fakeNode struct {
	mu          sync.Mutex
	cfg         *conf.Config
	admin       int
	started     bool
	stopped     bool
	hadDeadline bool
	startErr    error
}

func (n *fakeNode) Start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.started = true
	return n.startErr
}

func (n *fakeNode) Shutdown(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, n.hadDeadline = ctx.Deadline()
	n.stopped = true
	return nil
}

func (n *fakeNode) factory() nodeFunc {
	return func(cfg *conf.Config, log *slog.Logger, adminMode int, _ *logLevel) (node, error) {
		n.cfg, n.admin = cfg, adminMode
		return n, nil
	}
}

// syncBuffer is a bytes.Buffer safe for the logger and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func writeConf(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.yml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const fakeConf = "p:\n  listen: 127.0.0.1:8102\n  servers:\n  - 127.0.0.1:22122:1\n  tokens: '1'\n  stats_listen: 127.0.0.1:22222\n  max_msgs: 300000\n"

// TestServeInProcess runs serve with a fake node and stops it with SIGTERM
// sent to the test process (serve has its own handler installed by then).
func TestServeInProcess(t *testing.T) {
	cfg := writeConf(t, fakeConf)
	pidFile := filepath.Join(t.TempDir(), "pid")
	n := &fakeNode{}
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"-c", cfg, "-p", pidFile, "-x", "2", "-m", "1024", "-M", "500000"}, &stderr, n.factory())
	}()
	waitFile(t, pidFile, nil)
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("unexpected exit code %d; log:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after SIGTERM")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.started || !n.stopped || !n.hadDeadline || n.admin != 2 {
		t.Fatalf("unexpected node use: %+v", n)
	}
	// -m applies (the file has no mbuf_size); -M does not (the file wins).
	if n.cfg.Pool.MbufSize != 1024 || n.cfg.Pool.MaxMsgs != 300000 {
		t.Fatalf("unexpected sizes; got mbuf %d max_msgs %d", n.cfg.Pool.MbufSize, n.cfg.Pool.MaxMsgs)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Fatalf("pid file not removed: %v", err)
	}
	log := stderr.String()
	for _, want := range []string{"option -m is deprecated", "signal 15 (SIGTERM) received, exiting", "done, rabbit done"} {
		if !strings.Contains(log, want) {
			t.Fatalf("missing %q in log:\n%s", want, log)
		}
	}
}

func TestServeStartError(t *testing.T) {
	cfg := writeConf(t, fakeConf)
	pidFile := filepath.Join(t.TempDir(), "pid")
	n := &fakeNode{startErr: errors.New("address already in use")}
	var stderr syncBuffer
	if code := run([]string{"-c", cfg, "-p", pidFile}, &stderr, n.factory()); code != 1 {
		t.Fatalf("unexpected exit code %d", code)
	}
	if !strings.Contains(stderr.String(), "cannot start node: address already in use") {
		t.Fatalf("unexpected log:\n%s", stderr.String())
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Fatalf("pid file written on failure: %v", err)
	}
}

func TestServeBadConfig(t *testing.T) {
	cfg := writeConf(t, "p:\n  lsten: x\n")
	var stderr syncBuffer
	n := &fakeNode{}
	if code := run([]string{"-c", cfg}, &stderr, n.factory()); code != 1 || n.started {
		t.Fatalf("unexpected result; code %d started %v", code, n.started)
	}
	if !strings.Contains(stderr.String(), `directive "lsten" is unknown`) ||
		!strings.Contains(stderr.String(), "syntax is invalid") {
		t.Fatalf("unexpected stderr:\n%s", stderr.String())
	}
}
