//go:build linux

package netns

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// TB is the part of testing.TB the rig uses.
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Net is a set of namespaces on one bridge.
type Net struct {
	id     string
	bridge string
	prefix netip.Prefix
	gw     netip.Addr // the bridge's address in the root namespace
	hosts  []*Host

	mu     sync.Mutex
	cmds   []*exec.Cmd
	etc    []string // /etc/netns/<name> directories made by SetResolver
	closed bool
}

// Host is one namespace.
type Host struct {
	net  *Net
	Name string     // the namespace's name (ip netns)
	Addr netip.Addr // its address on the bridge
	veth string     // the root-side end of its link
}

var seq atomic.Uint32

// New makes n hosts (1..200) and registers their removal with tb.Cleanup.
// It fails the test when the machine cannot (not root, no ip command).
func New(tb TB, n int) *Net {
	tb.Helper()
	nt, err := Create(n)
	if err != nil {
		tb.Fatalf("cannot create %d network namespaces: %v", n, err)
	}
	tb.Cleanup(func() {
		if err := nt.Close(); err != nil {
			tb.Logf("%v", err)
		}
	})
	return nt
}

// Create is New without a test: the caller must Close the Net.
func Create(n int) (*Net, error) {
	if n < 1 || n > 200 {
		return nil, fmt.Errorf("cannot create %d hosts: want 1..200", n)
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("cannot create network namespaces: not root")
	}
	id := strconv.FormatInt(int64(os.Getpid()), 36) + "x" + strconv.FormatInt(int64(seq.Add(1)), 36)
	nt := &Net{id: id, bridge: "nb" + id}
	prefix, err := freePrefix()
	if err != nil {
		return nil, err
	}
	nt.prefix = prefix
	nt.gw = prefix.Addr().Next()
	if err := nt.setup(n); err != nil {
		nt.Close()
		return nil, err
	}
	return nt, nil
}

func (nt *Net) setup(n int) error {
	steps := [][]string{
		{"link", "add", nt.bridge, "type", "bridge"},
		{"addr", "add", netip.PrefixFrom(nt.gw, 24).String(), "dev", nt.bridge},
		{"link", "set", nt.bridge, "up"},
	}
	if err := ipAll(steps); err != nil {
		return err
	}
	addr := nt.gw
	for i := range n {
		addr = addr.Next()
		h := &Host{net: nt, Name: fmt.Sprintf("ns%s_%d", nt.id, i), Addr: addr, veth: fmt.Sprintf("nv%s_%d", nt.id, i)}
		peer := h.veth + "p"
		err := ipAll([][]string{
			{"netns", "add", h.Name},
			{"link", "add", h.veth, "type", "veth", "peer", "name", peer},
			{"link", "set", peer, "netns", h.Name},
			{"link", "set", h.veth, "master", nt.bridge},
			{"link", "set", h.veth, "up"},
			{"-n", h.Name, "link", "set", "lo", "up"},
			{"-n", h.Name, "link", "set", peer, "name", "eth0"},
			{"-n", h.Name, "addr", "add", netip.PrefixFrom(addr, 24).String(), "dev", "eth0"},
			{"-n", h.Name, "link", "set", "eth0", "up"},
		})
		nt.hosts = append(nt.hosts, h) // removed by Close even when half made
		if err != nil {
			return err
		}
	}
	return nil
}

// freePrefix picks a 10.251.X.0/24 that no address of the root namespace is
// in, starting from one derived from the PID.
func freePrefix() (netip.Prefix, error) {
	out, err := exec.Command("ip", "-4", "-o", "addr", "show").Output()
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("cannot list addresses: %w", err)
	}
	start := (os.Getpid()*7 + int(seq.Load())*13) % 254
	for k := range 254 {
		x := (start+k)%254 + 1
		p := netip.MustParsePrefix(fmt.Sprintf("10.251.%d.0/24", x))
		if !bytes.Contains(out, []byte(fmt.Sprintf(" 10.251.%d.", x))) {
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("cannot find a free 10.251.X.0/24")
}

func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("cannot run ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

func ipAll(steps [][]string) error {
	for _, s := range steps {
		if err := ip(s...); err != nil {
			return err
		}
	}
	return nil
}

// Hosts returns the hosts in creation order.
func (nt *Net) Hosts() []*Host { return nt.hosts }

// Host returns host i.
func (nt *Net) Host(i int) *Host { return nt.hosts[i] }

// Gateway returns the root namespace's address on the bridge: a test's own
// process reaches every host from there.
func (nt *Net) Gateway() netip.Addr { return nt.gw }

// Command returns a command that runs name with args inside h's namespace
// (ip netns exec, so the started process is the command itself). The Net
// kills it at Close if it is still running.
func (h *Host) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command("ip", append([]string{"netns", "exec", h.Name, name}, args...)...)
	h.net.mu.Lock()
	h.net.cmds = append(h.net.cmds, cmd)
	h.net.mu.Unlock()
	return cmd
}

// SetResolver makes ns the DNS server of the processes later started in
// h's namespace: ip netns exec mounts /etc/netns/<name>/resolv.conf over
// /etc/resolv.conf, and the Net writes that file (removed at Close).
func (h *Host) SetResolver(ns netip.Addr) error {
	dir := filepath.Join("/etc/netns", h.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot set the resolver of %s: %w", h.Name, err)
	}
	h.net.mu.Lock()
	h.net.etc = append(h.net.etc, dir)
	h.net.mu.Unlock()
	if err := os.WriteFile(filepath.Join(dir, "resolv.conf"), []byte("nameserver "+ns.String()+"\noptions timeout:1 attempts:2\n"), 0o644); err != nil {
		return fmt.Errorf("cannot set the resolver of %s: %w", h.Name, err)
	}
	return nil
}

// Cut takes h's link down: nothing reaches it or leaves it until Heal.
// Connections are not reset; their packets are dropped.
func (h *Host) Cut() error { return ip("link", "set", h.veth, "down") }

// Heal brings h's link back up.
func (h *Host) Heal() error { return ip("link", "set", h.veth, "up") }

// Close kills the processes started from Command that still run, then
// removes the namespaces, their links and the bridge. It is idempotent.
func (nt *Net) Close() error {
	nt.mu.Lock()
	if nt.closed {
		nt.mu.Unlock()
		return nil
	}
	nt.closed = true
	cmds, etc := nt.cmds, nt.etc
	nt.mu.Unlock()
	for _, c := range cmds {
		if c.Process != nil && c.ProcessState == nil {
			c.Process.Kill()
		}
	}
	var errs []string
	for _, h := range nt.hosts {
		if err := ip("link", "del", h.veth); err != nil && !strings.Contains(err.Error(), "Cannot find device") {
			errs = append(errs, err.Error())
		}
		if err := deleteNetns(h.Name); err != nil {
			errs = append(errs, err.Error())
		}
	}
	for _, dir := range etc {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if err := ip("link", "del", nt.bridge); err != nil && !strings.Contains(err.Error(), "Cannot find device") {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		return fmt.Errorf("cannot remove every namespace: %s", strings.Join(errs, "; "))
	}
	return nil
}

// deleteNetns removes a namespace, retrying briefly while a killed process
// still holds it busy.
func deleteNetns(name string) error {
	var err error
	for range 50 {
		if err = ip("netns", "del", name); err == nil || strings.Contains(err.Error(), "No such file") {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}
