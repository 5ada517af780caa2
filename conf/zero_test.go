package conf_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
)

// TestZeroMeansDefault: Dynomite reads an explicit 0 as "unset" and applies
// the default; the file stays valid and each such key gets a warning.
func TestZeroMeansDefault(t *testing.T) {
	cfg, warns, err := conf.Load("testdata/zeros.yml")
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	q := cfg.Pool
	if q.Timeout != 5000*time.Millisecond || q.Backlog != 512 || q.ServerRetryTimeout != 10000*time.Millisecond ||
		q.StatsInterval != 30000*time.Millisecond || q.ConnMsgRate != 50000 || q.LocalPeerConnections != 1 ||
		q.MbufSize != conf.DefaultMbufSize || q.MaxMsgs != conf.DefaultMaxMsgs {
		t.Fatalf("unexpected values, want the defaults: %+v", q)
	}
	n := 0
	for _, w := range warns {
		if strings.Contains(w.String(), "is 0, which means unset: using the default") {
			n++
		}
	}
	if n != 8 {
		t.Fatalf("unexpected warnings; got %d zero warnings in %v; want 8", n, warns)
	}
}

// TestAfterParse classifies errors as Dynomite's -t does when it decides
// whether its "syntax is invalid" line appears twice.
func TestAfterParse(t *testing.T) {
	base := "p:\n  listen: 127.0.0.1:8102\n  servers:\n  - 127.0.0.1:22122:1\n  tokens: 1\n"
	for _, tc := range []struct {
		yml  string
		want bool
	}{
		{"p:\n  servers:\n  - 127.0.0.1:22122:1\n", true},
		{base + "  read_consistency: dc_two\n", true},
		{base + "  write_consistency: x\n", true},
		{base + "  mbuf_size: 100\n", true},
		{base + "  max_msgs: 5\n", true},
		{base + "  bogus: 1\n", false},
		{base + "  rack: a\n  rack: b\n", false},
		{base + "  preconnect: yes\n", false},
		{"p:\n  listen: 127.0.0.1:8102\n", false},
		{"p:\n  tokens: 1\n", false},
	} {
		_, _, err := conf.Parse("t.yml", []byte(tc.yml))
		if err == nil {
			t.Fatalf("unexpected valid file:\n%s", tc.yml)
		}
		if got := conf.AfterParse(err); got != tc.want {
			t.Errorf("AfterParse = %v; want %v for %v", got, tc.want, err)
		}
	}
	if conf.AfterParse(errors.New("x")) || conf.AfterParse(nil) {
		t.Fatal("unexpected AfterParse true for a non-list error")
	}
}

// TestManyServersKeepsLast: Dynomite keeps the last datastore listed; the
// file stays valid, with a warning.
func TestManyServersKeepsLast(t *testing.T) {
	cfg, warns, err := conf.Load("testdata/servers.yml")
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if len(cfg.Pool.Servers) != 1 || cfg.Pool.Servers[0].Addr.Port != 22123 || cfg.Pool.Servers[0].Name != "second" {
		t.Fatalf("unexpected servers %+v; want the last one only", cfg.Pool.Servers)
	}
	found := false
	for _, w := range warns {
		found = found || strings.Contains(w.String(), "using the last")
	}
	if !found {
		t.Fatalf("unexpected warnings %v; want one about the datastores", warns)
	}
}
