package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// Every row of the metric table and every histogram is named by the
// engine's code (engine/admin counts stats_count), so none is declared and
// left at zero: the guard behind the table's "every row is updated". It
// reads the sources; the tests of each metric show that it moves.
func TestStatsEveryRowUpdated(t *testing.T) {
	declared := append(constBlock(t, "stats/table.go", "Metric"), constBlock(t, "stats/histogram.go", "Hist")...)
	used := statsSelectors(t, "*.go")
	for _, pkg := range recordingPackages {
		for name := range statsSelectors(t, pkg+"/*.go") {
			used[name] = true
		}
	}
	admin := statsSelectors(t, "admin/server.go")
	if !admin["StatsCount"] {
		t.Errorf("engine/admin no longer counts StatsCount")
	}
	used["StatsCount"] = true
	for _, name := range declared {
		if !used[name] {
			t.Errorf("stats.%s is declared but the engine never updates it", name)
		}
	}
}

// recordingPackages are the packages under engine, besides the node,
// whose code moves the stats.
var recordingPackages = []string{"tally", "core", "inbound", "outbound", "route"}

// constBlock returns the constants of the block of file whose first
// constant has type typ, but the count (Num...).
func constBlock(t *testing.T, file, typ string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST || len(g.Specs) == 0 {
			continue
		}
		if id, ok := g.Specs[0].(*ast.ValueSpec).Type.(*ast.Ident); !ok || id.Name != typ {
			continue
		}
		for _, s := range g.Specs {
			for _, n := range s.(*ast.ValueSpec).Names {
				if !strings.HasPrefix(n.Name, "Num") {
					names = append(names, n.Name)
				}
			}
		}
	}
	if len(names) == 0 {
		t.Fatalf("no %s constants in %s", typ, file)
	}
	return names
}

// statsSelectors returns the names X of every stats.X in the non-test
// files matching pattern.
func statsSelectors(t *testing.T, pattern string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s: %v", pattern, err)
	}
	used := map[string]bool{}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "stats" {
					used[sel.Sel.Name] = true
				}
			}
			return true
		})
	}
	return used
}
