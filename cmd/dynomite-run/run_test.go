package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// TestRunStopsEverything builds dynomite and dynomite-run, starts a 3-rack
// cluster, talks to each node, then sends SIGTERM and checks that every
// process it started is gone and its files are removed.
func TestRunStopsEverything(t *testing.T) {
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+"/", "../dynomite", ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cannot build: %v\n%s", err, out)
	}
	cmd := exec.Command(filepath.Join(bin, "dynomite-run"), "-racks", "3")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill() // no-op once it has exited
	})
	var out []string
	timeout := time.After(60 * time.Second)
	for ready := false; !ready; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("dynomite-run ended early; stdout:\n%s\nstderr:\n%s", strings.Join(out, "\n"), stderr.String())
			}
			out = append(out, l)
			ready = strings.HasPrefix(l, "Ctrl-C")
		case <-timeout:
			t.Fatalf("dynomite-run not ready; stdout:\n%s\nstderr:\n%s", strings.Join(out, "\n"), stderr.String())
		}
	}
	text := strings.Join(out, "\n")
	addrs := regexp.MustCompile(`node listening on (127\.0\.0\.1:\d+) \(redis-cli -h 127\.0\.0\.1 -p \d+\)`).FindAllStringSubmatch(text, -1)
	pids := regexp.MustCompile(`pid (\d+)`).FindAllStringSubmatch(text, -1)
	dirs := regexp.MustCompile(`config (\S+)/dynomite\.yml|datastore files in (\S+)`).FindAllStringSubmatch(text, -1)
	if len(addrs) != 3 || len(pids) != 6 || len(dirs) != 4 {
		t.Fatalf("unexpected output; want 3 nodes, 6 pids, 4 directories:\n%s", text)
	}
	for i, a := range addrs {
		c, err := enginetest.Dial(a[1])
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("k%d", i)
		if r, err := c.Do("SET", key, "v"); err != nil || r.String() != "OK" {
			t.Fatalf("node %d: unexpected SET reply %v, %v", i+1, r, err)
		}
		if r, err := c.Do("GET", key); err != nil || r.String() != `"v"` {
			t.Fatalf("node %d: unexpected GET reply %v, %v", i+1, r, err)
		}
		c.Close()
	}
	cmd.Process.Signal(syscall.SIGTERM)
	for range lines {
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("unexpected exit: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("dynomite-run did not exit after SIGTERM")
	}
	for _, m := range pids {
		pid, _ := strconv.Atoi(m[1])
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("process %d still running", pid)
		}
	}
	for _, m := range dirs {
		d := m[1] + m[2]
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("directory %s not removed: %v", d, err)
		}
	}
}

func TestRunBadFlag(t *testing.T) {
	var stderr strings.Builder
	if code := run([]string{"-data-store", "nope"}, io.Discard, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "-data-store must be redis or memcached") {
		t.Fatalf("unexpected result; code %d stderr %q", code, stderr.String())
	}
}
