package main

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/dynomite-go/dynomite"

// allowed lists, for each layer (longest prefix wins), the layers of ours it may import.
// The direction is cmd -> engine -> replica -> {ring, codec, conf}; bench and perf sit
// beside cmd.
var allowed = map[string][]string{
	"codec":   {"codec"},
	"ring":    {"ring"},
	"conf":    {"conf"},
	"replica": {"replica", "ring", "codec", "conf"},
	"engine":  {"engine", "replica", "ring", "codec", "conf"},
	"bench":   {"bench", "codec", "engine/enginetest", "perf"},
	"perf":    {"perf", "engine", "replica", "ring", "codec", "conf"},
	"cmd":     {"cmd", "engine", "replica", "ring", "codec", "conf", "bench", "perf"},
}

func layerOf(rel string) string {
	return strings.SplitN(rel, "/", 2)[0]
}

func within(rel, prefix string) bool {
	return rel == prefix || strings.HasPrefix(rel, prefix+"/")
}

// TestLayering fails when a package imports against the dependency direction, or when
// a package outside engine imports netpoll.
func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("cannot list packages: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 {
		t.Fatalf("unexpected package list; got %q", out)
	}
	for _, line := range lines {
		fields := strings.Fields(line)
		rel := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		layer := layerOf(rel)
		for _, imp := range fields[1:] {
			if strings.HasPrefix(imp, "github.com/cloudwego/netpoll") && layer != "engine" && layer != "perf" {
				t.Errorf("%s imports netpoll; only engine may", rel)
			}
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			target := strings.TrimPrefix(imp, module+"/")
			ok := false
			for _, p := range allowed[layer] {
				if within(target, p) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s imports %s: against the dependency direction (%s may import %v)", rel, target, layer, allowed[layer])
			}
		}
	}
}
