package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func getsid(pid int) (int, error) {
	sid, _, errno := syscall.RawSyscall(syscall.SYS_GETSID, uintptr(pid), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(sid), nil
}

func TestDaemonize(t *testing.T) {
	dir := t.TempDir()
	cfg, _ := nodeYAML(t, dir)
	pidFile, logFile := filepath.Join(dir, "dynomite.pid"), filepath.Join(dir, "dynomite.log")
	code, _, stderr := runCmd(t, "-dc", cfg, "--pid-file="+pidFile, "-o", logFile)
	if code != 0 {
		t.Fatalf("unexpected parent exit code; got %d; want 0; stderr:\n%s", code, stderr)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("pid file missing once the parent exited: %v", err)
	}
	pid, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	if sid, err := getsid(pid); err != nil || sid != pid {
		t.Fatalf("daemon is not a session leader; sid %d, err %v", sid, err)
	}
	// SIGINT takes the same graceful path as SIGTERM.
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatal("daemon did not exit after SIGINT")
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopped = true
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Fatalf("pid file not removed: %v", err)
	}
	log, _ := os.ReadFile(logFile)
	if !strings.Contains(string(log), "done, rabbit done") {
		t.Fatalf("unexpected daemon log:\n%s", log)
	}
}
