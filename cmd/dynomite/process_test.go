package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
