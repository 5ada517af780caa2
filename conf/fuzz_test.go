package conf_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/dynomite-go/dynomite/conf"
)

// FuzzConfig checks that no input makes the parser panic, that it returns
// either a Config or an ErrorList whose elements carry a class, and that an
// accepted file has exactly one datastore and a listen address.
func FuzzConfig(f *testing.F) {
	for _, dir := range []string{"testdata/spec", "testdata/errors"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, _, err := conf.ParseOffline("fuzz.yml", data)
		if err != nil {
			var list conf.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			for _, e := range list {
				if e.Err == nil || e.Msg == "" {
					t.Fatalf("error without class or message: %+v", e)
				}
			}
			return
		}
		if cfg == nil || len(cfg.Pool.Servers) != 1 || cfg.Pool.Listen.IsZero() {
			t.Fatalf("accepted config without one datastore and a listen address: %+v", cfg)
		}
	})
}
