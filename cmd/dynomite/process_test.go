package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// binary is the dynomite command built by TestMain for the process tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dynomite-cmd-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "dynomite")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot build dynomite: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runCmd runs the binary to completion (bounded) and returns its exit code,
// stdout and stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("dynomite %v did not exit; stderr: %s", args, stderr.String())
		return 0, "", ""
	}
}

func readUsage(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/usage.txt")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHelpAndVersion(t *testing.T) {
	u := readUsage(t)
	for _, flag := range []string{"-h", "--help"} {
		code, stdout, stderr := runCmd(t, flag)
		if code != 0 || stdout != "" || stderr != "This is dynomite-"+version+"\n\n"+u {
			t.Fatalf("unexpected %s result; code %d stdout %q stderr:\n%s", flag, code, stdout, stderr)
		}
	}
	for _, flag := range []string{"-V", "--version"} {
		code, _, stderr := runCmd(t, flag)
		if code != 0 || stderr != "This is dynomite-"+version+"\n\n" {
			t.Fatalf("unexpected %s result; code %d stderr %q", flag, code, stderr)
		}
	}
}

func TestDescribeStats(t *testing.T) {
	code, _, stderr := runCmd(t, "-D")
	if code != 0 || !strings.HasPrefix(stderr, "This is dynomite-"+version+"\n\npool stats:\n  client_eof          \"") ||
		!strings.Contains(stderr, "\n\nserver stats:\n  server_eof          \"") {
		t.Fatalf("unexpected -D result; code %d stderr:\n%s", code, stderr)
	}
}

func TestBadFlags(t *testing.T) {
	u := readUsage(t)
	f := func(want string, args ...string) {
		t.Helper()
		code, stdout, stderr := runCmd(t, args...)
		if code != 1 || stdout != "" || stderr != "dynomite: "+want+"\n"+u {
			t.Fatalf("unexpected result for %v; code %d stdout %q stderr:\n%s", args, code, stdout, stderr)
		}
	}
	f("invalid option -- 'g'", "-g")
	f("invalid option -- 'y'", "-y")
	f("option -c requires a file name", "-c")
	f("option -v requires a number", "-v", "x")
	f("option -m requires a non-zero number", "-m", "0")
	f("mbuf chunk size must be a multiple of 16", "--mbuf-size=1000")
	f("option -x requires a non-zero positive number", "-x", "0")
	f("unrecognized option '--nope'", "--nope")
}

func TestTestConf(t *testing.T) {
	f := func(path string, wantCode int, wantLines ...string) {
		t.Helper()
		code, _, stderr := runCmd(t, "-t", "-c", path)
		if code != wantCode {
			t.Fatalf("unexpected exit code for %s; got %d; want %d; stderr:\n%s", path, code, wantCode, stderr)
		}
		for _, l := range wantLines {
			if !strings.Contains(stderr, l+"\n") {
				t.Fatalf("missing line %q for %s; stderr:\n%s", l, path, stderr)
			}
		}
	}
	files, _ := filepath.Glob("../../conf/testdata/spec/*.yml")
	if len(files) == 0 {
		t.Fatal("no sample configurations")
	}
	for _, file := range files {
		f(file, 0, "dynomite: configuration file '"+file+"' syntax is valid")
	}
	bad := "../../conf/testdata/errors/unknown_key.yml"
	f(bad, 1, "dynomite: "+bad+":2: directive \"lsten\" is unknown",
		"dynomite: configuration file '"+bad+"' syntax is invalid")
	bad = "../../conf/testdata/errors/mbuf.yml"
	f(bad, 1, "dynomite: "+bad+":6: mbuf_size: mbuf size must be a multiple of 16")
	missing := filepath.Join(t.TempDir(), "missing.yml")
	f(missing, 1, "dynomite: configuration file '"+missing+"' syntax is invalid")
	// A secure option without its key stops -t (and start-up) with the file
	// and the option named; the key found beside the config passes.
	dir := t.TempDir()
	noKey := filepath.Join(dir, "nokey.yml")
	body := "dyn_o_mite:\n  listen: 127.0.0.1:8102\n  dyn_listen: 127.0.0.1:8101\n  servers:\n  - 127.0.0.1:22122:1\n  tokens: 1\n  secure_server_option: all\n  pem_key_file: keys/dynomite.pem\n"
	if err := os.WriteFile(noKey, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	f(noKey, 1, "dynomite: "+noKey+":8: directive \"pem_key_file\": cannot read \"keys/dynomite.pem\": open keys/dynomite.pem: no such file or directory (secure_server_option is \"all\")")
	code, _, stderr := runCmd(t, "-c", noKey)
	if code != 1 || !strings.Contains(stderr, `directive "pem_key_file": cannot read`) {
		t.Fatalf("start-up without the key: exit %d, stderr:\n%s", code, stderr)
	}
	pemData, err := os.ReadFile("../../conf/testdata/spec/dynomite.pem")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keys", "dynomite.pem"), pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	f(noKey, 0, "dynomite: configuration file '"+noKey+"' syntax is valid")
	// Files that crash C Dynomite's -t (errors before servers is read).
	for _, name := range []string{"duplicate", "values", "documents", "syntax", "empty", "flow", "bad_items"} {
		f("../../conf/testdata/errors/"+name+".yml", 1)
	}
}

// waitFile waits until path exists with content, and returns it.
func waitFile(t *testing.T, path string, exited <-chan struct{}) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return string(b)
		}
		select {
		case <-exited:
			t.Fatalf("dynomite exited before writing %s", path)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("%s did not appear", path)
	return ""
}

// nodeYAML writes a configuration whose datastore is a closed loopback port,
// so the node starts without a Redis (preconnect failures do not abort).
func nodeYAML(t *testing.T, dir string) (path string, listen string) {
	t.Helper()
	var ports [4]int
	for i := range ports {
		p, err := enginetest.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = p
	}
	listen = fmt.Sprintf("127.0.0.1:%d", ports[0])
	yaml := fmt.Sprintf(`dyn_o_mite:
  listen: %s
  dyn_listen: 127.0.0.1:%d
  stats_listen: 127.0.0.1:%d
  servers:
  - 127.0.0.1:%d:1
  tokens: '101134286'
  timeout: 1000
  server_retry_timeout: 1000
`, listen, ports[1], ports[2], ports[3])
	path = filepath.Join(dir, "node.yml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, listen
}

func TestServeSignals(t *testing.T) {
	dir := t.TempDir()
	cfg, _ := nodeYAML(t, dir)
	pidFile, logFile := filepath.Join(dir, "dynomite.pid"), filepath.Join(dir, "dynomite.log")
	cmd := exec.Command(binary, "-c", cfg, "-p", pidFile, "-o", logFile, "-v", "5")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	})
	if pid := waitFile(t, pidFile, exited); pid != strconv.Itoa(cmd.Process.Pid) {
		t.Fatalf("unexpected pid file content; got %q; want %d", pid, cmd.Process.Pid)
	}
	// Rotate the log: SIGHUP reopens it, later lines go to the new file.
	if err := os.Rename(logFile, logFile+".1"); err != nil {
		t.Fatal(err)
	}
	// Standard signals are not queued: wait for each one's effect before the next.
	cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, logFile, "signal 1 (SIGHUP) received, reopening log file", exited)
	cmd.Process.Signal(syscall.SIGTTIN)
	waitLog(t, logFile, "signal 21 (SIGTTIN) received, up logging level to 6", exited)
	cmd.Process.Signal(syscall.SIGTTOU)
	waitLog(t, logFile, "signal 22 (SIGTTOU) received, down logging level to 5", exited)
	cmd.Process.Signal(syscall.SIGTTOU) // to 4 (WARN): its NOTICE line is not written
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTTIN)
	waitLog(t, logFile, "signal 21 (SIGTTIN) received, up logging level to 5", exited)
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		t.Fatalf("dynomite did not exit after SIGTERM; stderr: %s", stderr.String())
	}
	if waitErr != nil {
		t.Fatalf("unexpected exit after SIGTERM: %v; stderr: %s", waitErr, stderr.String())
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Fatalf("pid file not removed: %v", err)
	}
	first, _ := os.ReadFile(logFile + ".1")
	second, _ := os.ReadFile(logFile)
	if !strings.Contains(string(first), "started on pid "+strconv.Itoa(cmd.Process.Pid)) {
		t.Fatalf("missing banner in the first log:\n%s", first)
	}
	for _, want := range []string{
		"signal 15 (SIGTERM) received, exiting",
		"done, rabbit done",
	} {
		if !strings.Contains(string(second), want) {
			t.Fatalf("missing %q in the reopened log:\n%s", want, second)
		}
	}
	if strings.Contains(string(second), "down logging level to 4") {
		t.Fatalf("NOTICE line logged at level 4:\n%s", second)
	}
}

// waitLog waits until the file at path contains want.
func waitLog(t *testing.T, path, want string, exited <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(path); strings.Contains(string(b), want) {
			return
		}
		select {
		case <-exited:
			t.Fatalf("dynomite exited before logging %q", want)
		case <-time.After(20 * time.Millisecond):
		}
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("%q not logged; log:\n%s", want, b)
}

func TestStartFailureExitsOne(t *testing.T) {
	dir := t.TempDir()
	cfg, listen := nodeYAML(t, dir)
	// Hold the client port so the node cannot bind it.
	hold, err := listenTCP(listen)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	pidFile := filepath.Join(dir, "dynomite.pid")
	code, _, stderr := runCmd(t, "-c", cfg, "-p", pidFile)
	if code != 1 {
		t.Fatalf("unexpected exit code; got %d; want 1; stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Fatalf("pid file left behind: %v", err)
	}
}

func TestDaemonizeReportsStartFailure(t *testing.T) {
	dir := t.TempDir()
	cfg, listen := nodeYAML(t, dir)
	hold, err := listenTCP(listen)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	code, _, stderr := runCmd(t, "-d", "-c", cfg)
	if code != 1 || !strings.HasPrefix(stderr, "dynomite: cannot start node") {
		t.Fatalf("unexpected result; code %d; stderr:\n%s", code, stderr)
	}
}

// listenTCP holds a TCP port.
func listenTCP(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }
