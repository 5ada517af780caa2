package enginetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestYAMLAccepted checks that the configurations this package writes pass
// `dynomite -t`.
func TestYAMLAccepted(t *testing.T) {
	bin := BuildDynomite(t)
	single, err := SingleNode(&Proc{Name: "redis-server", Addr: "127.0.0.1:6379"})
	if err != nil {
		t.Fatal(err)
	}
	single.Timeout, single.ServerRetryTimeout = 1000, 2000
	cluster, err := Cluster(3, 2, NodeConfig{Extra: map[string]string{"enable_gossip": "false"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range cluster {
		cluster[i].Servers = []string{"127.0.0.1:6379:1"}
	}
	for i, c := range append([]NodeConfig{single}, cluster...) {
		f := filepath.Join(t.TempDir(), "n.yml")
		if err := os.WriteFile(f, []byte(c.YAML()), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "-t", "-c", f).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "syntax is valid") {
			t.Fatalf("config %d rejected by dynomite -t: %v\n%s\n%s", i, err, out, c.YAML())
		}
	}
}
