package secure_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/conf"

	"github.com/dynomite-go/dynomite/engine/secure"
)

func TestSecures(t *testing.T) {
	// Links: same rack, other rack same DC, other DC.
	for _, tc := range []struct {
		option              string
		sameRack, otherRack bool
		otherDC             bool
	}{
		{"none", false, false, false},
		{"datacenter", false, false, true},
		{"rack", false, true, true},
		{"all", true, true, true},
	} {
		got := [3]bool{secure.Secures(tc.option, true, true), secure.Secures(tc.option, false, true), secure.Secures(tc.option, false, false)}
		want := [3]bool{tc.sameRack, tc.otherRack, tc.otherDC}
		if got != want {
			t.Fatalf("%s: unexpected secured links; got %v; want %v", tc.option, got, want)
		}
	}
}

func TestLoadPeerKey(t *testing.T) {
	f := func(option, file string) (*dnode.RSAKey, error) {
		y := "p:\n  listen: 127.0.0.1:8102\n  servers:\n  - 127.0.0.1:22122:1\n  secure_server_option: " + option + "\n  pem_key_file: " + file + "\n"
		cfg, _, err := conf.Parse("k.yml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		return secure.LoadPeerKey(cfg)
	}
	k, err := f("all", "../../codec/dnode/testdata/dynomite.pem")
	if err != nil || k == nil || k.Size() != 128 {
		t.Fatalf("unexpected key %v, %v", k, err)
	}
	if k, err := f("none", "missing.pem"); k != nil || err != nil {
		t.Fatalf("unexpected result for none: %v, %v", k, err)
	}
	if _, err := f("datacenter", "missing.pem"); !errors.Is(err, conf.ErrKeyFile) || !strings.Contains(err.Error(), `"pem_key_file": cannot read "missing.pem"`) {
		t.Fatalf("unexpected error for a missing key; got %v", err)
	}
}
