//go:build linux

package netns_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest/netns"
)

// ping runs redis-cli PING from h against addr, bounded by one second.
func ping(h *netns.Host, addr string) (string, error) {
	out, err := h.Command("timeout", "1", "redis-cli", "-h", addr, "-p", "6379", "PING").CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func waitPong(t *testing.T, h *netns.Host, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := ping(h, addr)
		if err == nil && out == "PONG" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("unexpected reply to PING from %s; got %q, %v; want PONG", h.Name, out, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestCutAndHeal(t *testing.T) {
	nt := netns.New(t, 2)
	a, b := nt.Host(0), nt.Host(1)
	addr := a.Addr.String()
	srv := a.Command("redis-server", "--bind", addr, "--port", "6379", "--protected-mode", "no", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := srv.Start(); err != nil {
		t.Fatalf("cannot start redis-server: %v", err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })

	waitPong(t, b, addr)

	if err := a.Cut(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, err := ping(b, addr)
	if err == nil || out == "PONG" || time.Since(start) > 2*time.Second {
		t.Fatalf("unexpected PING across a cut link; got %q, %v after %v", out, err, time.Since(start))
	}

	if err := a.Heal(); err != nil {
		t.Fatal(err)
	}
	waitPong(t, b, addr)

	// The test process reaches the hosts from the bridge's address.
	if out, err := exec.Command("timeout", "1", "redis-cli", "-h", addr, "-p", "6379", "PING").CombinedOutput(); err != nil || string(bytes.TrimSpace(out)) != "PONG" {
		t.Fatalf("unexpected PING from the root namespace; got %q, %v", out, err)
	}

	// Close kills redis-server and removes everything.
	if err := nt.Close(); err != nil {
		t.Fatal(err)
	}
	list, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range nt.Hosts() {
		if bytes.Contains(list, []byte(h.Name)) {
			t.Fatalf("unexpected namespace %s left after Close:\n%s", h.Name, list)
		}
	}
	id := strings.TrimPrefix(a.Name, "ns")
	id = id[:strings.LastIndexByte(id, '_')]
	links, _ := exec.Command("ip", "-o", "link", "show").Output()
	if bytes.Contains(links, []byte("nb"+id)) || bytes.Contains(links, []byte("nv"+id+"_")) {
		t.Fatalf("unexpected link left after Close:\n%s", links)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("redis-server still running after Close")
	}
}
