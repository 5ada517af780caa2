package conf_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/conf"
)

const hintsBase = "p:\n  listen: 127.0.0.1:8102\n  servers:\n  - 127.0.0.1:22122:1\n  tokens: 1\n  stats_listen: 127.0.0.1:22222\n"

func TestHintsKeys(t *testing.T) {
	cfg, _, err := conf.ParseOffline("h.yml", []byte(hintsBase))
	if err != nil {
		t.Fatal(err)
	}
	q := cfg.Pool
	if q.HintsDir != "" || q.HintsMaxCount != conf.DefaultHintsMaxCount || q.HintsMaxBytes != conf.DefaultHintsMaxBytes || q.RepairRate != conf.DefaultRepairRate {
		t.Fatalf("unexpected defaults; got %q %d %d %d", q.HintsDir, q.HintsMaxCount, q.HintsMaxBytes, q.RepairRate)
	}
	cfg, warns, err := conf.ParseOffline("h.yml", []byte(hintsBase+"  hints_dir: /var/lib/dyn\n  hints_max_count: 10\n  hints_max_bytes: 8192\n  repair_rate: 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	q = cfg.Pool
	if q.HintsDir != "/var/lib/dyn" || q.HintsMaxCount != 10 || q.HintsMaxBytes != 8192 || q.RepairRate != 0 {
		t.Fatalf("unexpected values; got %q %d %d %d", q.HintsDir, q.HintsMaxCount, q.HintsMaxBytes, q.RepairRate)
	}
	if len(warns) != 0 {
		t.Fatalf("unexpected warnings: %v", warns)
	}
}

func TestHintsKeysInvalid(t *testing.T) {
	for _, tc := range []struct {
		yml  string
		want error
	}{
		{"  hints_max_bytes: 100\n", conf.ErrOutOfRange},
		{"  hints_max_count: -1\n", conf.ErrNotNumber},
		{"  repair_rate: fast\n", conf.ErrNotNumber},
		{"  hints_dir: [a, b]\n", conf.ErrStructure},
	} {
		_, _, err := conf.ParseOffline("h.yml", []byte(hintsBase+tc.yml))
		if !errors.Is(err, tc.want) {
			t.Errorf("unexpected error for %q; got %v; want %v", tc.yml, err, tc.want)
		}
	}
}

func TestHintsBoundsWithoutDir(t *testing.T) {
	_, warns, err := conf.ParseOffline("h.yml", []byte(hintsBase+"  hints_max_count: 5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0].String(), `"hints_max_count" has no effect without "hints_dir"`) {
		t.Fatalf("unexpected warnings; got %v; want one about hints_dir", warns)
	}
}
