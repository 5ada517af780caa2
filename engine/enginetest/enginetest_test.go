package enginetest

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

var _ TB = (testing.TB)(nil)

func TestReadReply(t *testing.T) {
	f := func(input, want string) {
		t.Helper()
		r, err := ReadReply(bufio.NewReaderSize(strings.NewReader(input), 16))
		if err != nil {
			t.Fatalf("unexpected error for %q; got %v", input, err)
		}
		if got := r.String(); got != want {
			t.Fatalf("unexpected reply for %q; got %s; want %s", input, got, want)
		}
		if string(r.Raw) != input {
			t.Fatalf("unexpected raw bytes; got %q; want %q", r.Raw, input)
		}
	}
	f("+OK\r\n", "OK")
	f("-ERR x y\r\n", "(error) ERR x y")
	f(":-42\r\n", "(integer) -42")
	f("$-1\r\n", "(nil)")
	f("$0\r\n\r\n", `""`)
	f("$6\r\na\r\nb\r\n\r\n", `"a\r\nb\r\n"`)
	f("*-1\r\n", "(nil)")
	f("*0\r\n", "[]")
	f("*3\r\n:1\r\n*2\r\n$1\r\na\r\n*1\r\n+x\r\n$-1\r\n", `[(integer) 1, ["a", [x]], (nil)]`)
	f("+"+strings.Repeat("s", 100)+"\r\n", strings.Repeat("s", 100))

	bad := func(input string) {
		t.Helper()
		if r, err := ReadReply(bufio.NewReader(strings.NewReader(input))); err == nil {
			t.Fatalf("unexpected success for %q; got %s", input, r)
		}
	}
	bad("")
	bad("!x\r\n")
	bad("$3\r\nab")
	bad("$3\r\nabcd\r\n")
	bad("$-2\r\n")
	bad("$99999999999\r\n")
	bad("*2\r\n:1\r\n")
	bad(":x\r\n")
	bad("+OK\n")
	bad(strings.Repeat("*1\r\n", 100) + ":1\r\n")
}

func TestRedisClient(t *testing.T) {
	p := RedisWith(t, RedisOptions{Unix: true})
	for _, addr := range []string{p.Addr, p.Socket} {
		c := DialTB(t, addr)
		val := "v\r\n\x00" + strings.Repeat("x", 100000)
		for i := 0; i < 100; i++ {
			c.Send("SET", "k", val)
			c.Send("GET", "k")
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 100; i++ {
			r, err := c.Read()
			if err != nil || r.String() != "OK" {
				t.Fatalf("unexpected SET reply; got %v, %v; want OK", r, err)
			}
			r, err = c.Read()
			if err != nil || string(r.Str) != val {
				t.Fatalf("unexpected GET reply; got %v, %v", r, err)
			}
		}
	}
	if pid := p.PID(); pid == 0 || !p.Running() {
		t.Fatalf("unexpected state; pid %d, running %v", pid, p.Running())
	}
	fds, err := OpenFDs(p.PID())
	if err != nil || fds < 3 {
		t.Fatalf("unexpected fd count; got %d, %v", fds, err)
	}
	rss, err := RSS(p.PID())
	if err != nil || rss < 1<<20 || rss > 1<<30 {
		t.Fatalf("unexpected rss; got %d, %v", rss, err)
	}

	// Kill, then Restart on the same port.
	pid := p.PID()
	p.Kill()
	if p.Running() {
		t.Fatalf("still running after Kill")
	}
	if _, err := net.DialTimeout("tcp", p.Addr, time.Second); err == nil {
		t.Fatalf("port %s still accepts after Kill", p.Addr)
	}
	if err := p.Restart(); err != nil {
		t.Fatal(err)
	}
	if p.PID() == pid {
		t.Fatalf("unexpected pid after Restart; got the old one %d", pid)
	}
	c := DialTB(t, p.Addr)
	if r, err := c.Do("PING"); err != nil || r.String() != "PONG" {
		t.Fatalf("unexpected PING reply after Restart; got %v, %v", r, err)
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("unexpected Stop error: %v", err)
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Fatalf("process %d still exists", pid)
	}
}

func TestMemcached(t *testing.T) {
	for _, unix := range []bool{false, true} {
		p := MemcachedWith(t, MemcachedOptions{Unix: unix})
		network, addr := p.clientAddr()
		conn, err := net.Dial(network, addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.Write([]byte("set a 0 0 1\r\nx\r\nget a\r\n"))
		br := bufio.NewReader(conn)
		var got []string
		for i := 0; i < 4; i++ {
			l, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, l)
		}
		if want := "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n"; strings.Join(got, "") != want {
			t.Fatalf("unexpected memcached replies; got %q; want %q", got, want)
		}
	}
}

func TestStopEscalates(t *testing.T) {
	// A program that ignores SIGTERM is killed after StopTimeout.
	dir := t.TempDir()
	p := &Proc{Name: "sh", Dir: dir, path: "/bin/sh", args: []string{"-c", "trap '' TERM; echo up; sleep 60"},
		ready: func(p *Proc, _ time.Time) error {
			if !strings.Contains(p.Log(), "up") {
				return os.ErrNotExist
			}
			return nil
		}}
	p.mu.Lock()
	err := p.start(StartTimeout)
	p.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = p.Stop()
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("unexpected Stop result; got %v; want a kill after SIGTERM", err)
	}
	if d := time.Since(start); d < StopTimeout || d > StopTimeout+3*time.Second {
		t.Fatalf("unexpected Stop duration %v; want about %v", d, StopTimeout)
	}
}

func TestStartFailureReportsOutput(t *testing.T) {
	script := t.TempDir() + "/fake"
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho oops-$((40+2)) >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := StartDynomite(script, "p:\n  listen: 127.0.0.1:1\n")
	if err == nil || !strings.Contains(err.Error(), "oops-42") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("unexpected error; got %v; want the program output in it", err)
	}
}

func TestConfigYAML(t *testing.T) {
	cfgs, err := Cluster(3, 2, NodeConfig{Timeout: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 6 {
		t.Fatalf("unexpected node count; got %d; want 6", len(cfgs))
	}
	seen := map[string]bool{}
	for _, c := range cfgs {
		for _, a := range []string{c.Listen, c.DynListen, c.StatsListen} {
			if a == "" || seen[a] {
				t.Fatalf("unexpected address %q (empty or reused)", a)
			}
			seen[a] = true
		}
		if len(c.DynSeeds) != 5 {
			t.Fatalf("unexpected seed count; got %d; want 5", len(c.DynSeeds))
		}
	}
	if cfgs[1].Tokens != "2147483648" || cfgs[2].Rack != "rack2" || cfgs[2].Tokens != "0" {
		t.Fatalf("unexpected tokens/racks; got %+v", cfgs[:3])
	}
	want := cfgs[1].DynListen + ":rack1:dc1:2147483648"
	if cfgs[0].DynSeeds[0] != want {
		t.Fatalf("unexpected seed; got %q; want %q", cfgs[0].DynSeeds[0], want)
	}
	c := cfgs[0]
	c.Servers = []string{"127.0.0.1:6379:1"}
	c.Extra = map[string]string{"mbuf_size": "16384", "enable_gossip": "false"}
	y := c.YAML()
	for _, line := range []string{
		"dyn_o_mite:\n", "  listen: " + c.Listen + "\n", "  stats_listen: " + c.StatsListen + "\n",
		"  servers:\n  - 127.0.0.1:6379:1\n", "  tokens: '0'\n", "  timeout: 1000\n",
		"  enable_gossip: false\n  mbuf_size: 16384\n", "  dyn_seeds:\n  - " + want + "\n",
	} {
		if !strings.Contains(y, line) {
			t.Fatalf("unexpected YAML; missing %q in:\n%s", line, y)
		}
	}
	if got := yamlValue(y, "listen"); got != c.Listen {
		t.Fatalf("unexpected listen value; got %q; want %q", got, c.Listen)
	}
}

func TestStacks(t *testing.T) {
	dir := t.TempDir()
	src := dir + "/main.go"
	prog := "package main\n\nimport \"time\"\n\nfunc sleeper() { time.Sleep(time.Hour) }\n\nfunc main() {\n\tgo sleeper()\n\tprintln(\"up\")\n\ttime.Sleep(time.Hour)\n}\n"
	if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := dir + "/sleeper"
	if out, err := exec.Command("go", "build", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	p := &Proc{Name: "sleeper", Dir: dir, path: bin, ready: func(p *Proc, _ time.Time) error {
		if !strings.Contains(p.Log(), "up") {
			return os.ErrNotExist
		}
		return nil
	}}
	p.mu.Lock()
	err := p.start(StartTimeout)
	p.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	got := p.Stacks(1<<20, "main.sleeper")
	if !strings.Contains(got, "main.sleeper") || strings.Contains(got, "goroutine 1 ") {
		t.Fatalf("unexpected stacks; got:\n%s\nwant only the goroutine in main.sleeper", got)
	}
	if p.Running() {
		t.Fatalf("still running after Stacks")
	}
}
