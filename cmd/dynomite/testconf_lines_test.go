package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTestConfInvalidLineCount: C Dynomite's -t prints its "syntax is
// invalid" line twice for problems found after parsing (missing listen,
// bad consistency, mbuf_size/max_msgs range) and once otherwise.
func TestTestConfInvalidLineCount(t *testing.T) {
	base := "p:\n  listen: 127.0.0.1:8102\n  servers:\n  - 127.0.0.1:22122:1\n  tokens: '1'\n  stats_listen: 127.0.0.1:22222\n"
	for _, tc := range []struct {
		body string
		want int
	}{
		{"p:\n  servers:\n  - 127.0.0.1:22122:1\n  tokens: '1'\n", 2},
		{base + "  read_consistency: DC_TWO\n", 2},
		{base + "  mbuf_size: 1000\n", 2},
		{base + "  max_msgs: 5\n", 2},
		{base + "  bogus: 1\n", 1},
		{base + "  preconnect: yes\n", 1},
		{"p:\n  listen: 127.0.0.1:8102\n", 1},
	} {
		path := writeConf(t, tc.body)
		code, _, stderr := runCmd(t, "-t", "-c", path)
		line := "dynomite: configuration file '" + path + "' syntax is invalid\n"
		if code != 1 || strings.Count(stderr, line) != tc.want {
			t.Fatalf("unexpected -t result for\n%s\ncode %d, stderr:\n%s\nwant exit 1 and the invalid line %d times", tc.body, code, stderr, tc.want)
		}
	}
}

// TestTestConfZeroIsDefault: an explicit 0 is "unset" in Dynomite, so the
// file passes -t (with a warning naming the key).
func TestTestConfZeroIsDefault(t *testing.T) {
	body := "p:\n  listen: 127.0.0.1:8102\n  servers:\n  - 127.0.0.1:22122:1\n  tokens: '1'\n  stats_listen: 127.0.0.1:22222\n  timeout: 0\n  mbuf_size: 0\n"
	path := writeConf(t, body)
	code, _, stderr := runCmd(t, "-t", "-c", path)
	if code != 0 || !strings.Contains(stderr, "syntax is valid\n") || !strings.Contains(stderr, `"timeout" is 0`) {
		t.Fatalf("unexpected -t result; code %d, stderr:\n%s", code, stderr)
	}
}

// TestTestConfSpecFilesOneLine: for Dynomite's example files -t prints
// exactly Dynomite's one line (the stats_listen default of dynomite.yml is
// logged by a running node, not printed by -t).
func TestTestConfSpecFilesOneLine(t *testing.T) {
	files, _ := filepath.Glob("../../conf/testdata/spec/*.yml")
	if len(files) == 0 {
		t.Fatal("no sample configurations")
	}
	for _, file := range files {
		code, stdout, stderr := runCmd(t, "-t", "-c", file)
		want := "dynomite: configuration file '" + file + "' syntax is valid\n"
		if code != 0 || stdout != "" || stderr != want {
			t.Fatalf("unexpected -t output for %s; code %d stdout %q stderr %q; want %q", file, code, stdout, stderr, want)
		}
	}
}
