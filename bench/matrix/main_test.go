package matrix

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMainShort runs the smallest matrix end to end (one 1 s run of the
// latency workload against a real redis-server) with a dynomite binary that
// does not exist, so the proxy is left out with a note.
func TestMainShort(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	args := []string{"-reps", "1", "-duration", "1s", "-workloads", "latency", "-tool", "builtin",
		"-dynomite", filepath.Join(dir, "no-such-dynomite"), "-floor=false", "-twemproxy", "", "-out", dir}
	if err := Main(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("cannot run the matrix: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	s := out.String()
	for _, want := range []string{"cpu:", "caches:", "target:   redis", "dyn-1", "left out", "latency   redis      1"} {
		if !strings.Contains(s, want) {
			t.Errorf("unexpected output without %q:\n%s", want, s)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "matrix-*.json"))
	if len(files) != 1 {
		t.Fatalf("unexpected result files %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatalf("cannot read results: %v", err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("cannot decode results: %v", err)
	}
	if len(rep.Samples) != 1 || rep.Samples[0].Load.Requests == 0 || rep.Samples[0].PeakRSS <= 0 {
		t.Fatalf("unexpected samples %+v", rep.Samples)
	}
}
