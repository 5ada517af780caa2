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

// engineAllowed lists, for each package under engine, the packages under
// engine it may import (tests included). The node (engine itself) sits on
// top; its sub-packages are leaves or import only leaves below them, and
// none imports the node. A package under engine that is not listed fails
// the test, so a new one states its place here.
var engineAllowed = map[string][]string{
	"engine":                  {"engine/admin", "engine/stats", "engine/core", "engine/inbound", "engine/outbound", "engine/sock", "engine/bufpool", "engine/fifo", "engine/batch", "engine/tally", "engine/msg", "engine/secure", "engine/session", "engine/enginetest", "engine/hints", "engine/membership", "engine/dedicated", "engine/cluster", "engine/route", "engine/converge"},
	"engine/dedicated":        {"engine/batch", "engine/core", "engine/msg", "engine/outbound", "engine/enginetest"},
	"engine/core":             {"engine/batch", "engine/bufpool", "engine/sock", "engine/stats", "engine/tally"},
	"engine/inbound":          {"engine/batch", "engine/core", "engine/fifo", "engine/msg", "engine/secure", "engine/session", "engine/sock", "engine/stats", "engine/tally"},
	"engine/outbound":         {"engine/batch", "engine/core", "engine/fifo", "engine/msg", "engine/secure", "engine/sock", "engine/stats", "engine/tally"},
	"engine/admin":            {"engine/stats"},
	"engine/stats":            {},
	"engine/sock":             {},
	"engine/bufpool":          {},
	"engine/fifo":             {},
	"engine/batch":            {},
	"engine/tally":            {"engine/stats"},
	"engine/msg":              {"engine/batch", "engine/bufpool", "engine/tally"},
	"engine/enginetest":       {},
	"engine/secure":           {},
	"engine/session":          {"engine/secure", "engine/enginetest"},
	"engine/hints":            {},
	"engine/hints/replay":     {"engine/enginetest"},
	"engine/hints/warm":       {"engine/hints/replay", "engine/enginetest"},
	"engine/membership":       {},
	"engine/cluster":          {"engine/core", "engine/membership", "engine/outbound"},
	"engine/converge":         {"engine/admin", "engine/batch", "engine/cluster", "engine/core", "engine/hints", "engine/hints/rackrepair", "engine/hints/replay", "engine/msg"},
	"engine/route":            {"engine/admin", "engine/batch", "engine/cluster", "engine/core", "engine/inbound", "engine/msg", "engine/outbound", "engine/stats"},
	"engine/enginetest/netns": {},
	"engine/hints/rackrepair": {"engine/admin", "engine/hints/warm", "engine/hints/replay", "engine/enginetest"},
	"engine/e2e":              {"engine/enginetest", "engine/enginetest/netns", "engine/hints/replay"},
}

// TestEngineLayering fails when a package under engine imports another one
// against the order engineAllowed gives.
func TestEngineLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`, module+"/engine/...").Output()
	if err != nil {
		t.Fatalf("cannot list packages: %v", err)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		rel := strings.TrimPrefix(fields[0], module+"/")
		allow, ok := engineAllowed[rel]
		if !ok {
			t.Errorf("%s is not in engineAllowed: give it its place in the engine's layers", rel)
			continue
		}
		seen++
		for _, imp := range fields[1:] {
			target, ours := strings.CutPrefix(imp, module+"/")
			if !ours || !within(target, "engine") || target == rel {
				continue
			}
			ok := false
			for _, a := range allow {
				if target == a {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s imports %s: against the engine's layers (%s may import %v)", rel, target, rel, allow)
			}
		}
	}
	if seen < 4 {
		t.Fatalf("unexpected engine package list; got %q", out)
	}
}
