package replica

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected output of testdata/*.txt")

// TestDataDriven runs the scripts of testdata/*.txt. A case is a command line, a
// "----" line and the expected output, separated from the next case by a blank line;
// lines starting with # are comments. Commands:
//
//	topo <racks per DC, e.g. 3,2 or 2x2,1> [local=<dc>/<rack>]
//	route <read|write> <LEVEL> [token=<n>] [routing=normal|local|owner|all]
//	reply <target> good <sum> | err | fail <code>
//
// A decided reply prints "Won t<target>" or "Lost t<target> <error>", followed by
// "no-quorum" when Tracker.NoQuorum reports it.
func TestDataDriven(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no testdata/*.txt")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runScript(t, f) })
	}
}

type script struct {
	topo *fakeTopo
	plan Plan
	tr   Tracker
}

func runScript(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	s := &script{}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" || strings.HasPrefix(line, "#") {
			out.WriteString(line + "\n")
			continue
		}
		if i+1 >= len(lines) || lines[i+1] != "----" {
			t.Fatalf("%s:%d: command without ---- line", path, i+1)
		}
		var want []string
		j := i + 2
		for ; j < len(lines) && lines[j] != ""; j++ {
			want = append(want, lines[j])
		}
		got := s.run(t, fmt.Sprintf("%s:%d", path, i+1), line)
		if !*update && strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:%d: %s\nunexpected output; got:\n%s\nwant:\n%s", path, i+1, line, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		out.WriteString(line + "\n----\n" + strings.Join(got, "\n") + "\n")
		i = j - 1
	}
	if *update {
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (s *script) run(t *testing.T, where, line string) []string {
	f := strings.Fields(line)
	kv := map[string]string{}
	for _, a := range f[1:] {
		if k, v, ok := strings.Cut(a, "="); ok {
			kv[k] = v
		}
	}
	switch f[0] {
	case "topo":
		s.topo = newFakeTopo(f[1])
		if l, ok := kv["local"]; ok {
			d, r, _ := strings.Cut(l, "/")
			s.topo.localDC, _ = strconv.Atoi(d)
			s.topo.localRak, _ = strconv.Atoi(r)
			s.topo.local = s.topo.first[s.topo.localDC][s.topo.localRak]
		}
		return []string{fmt.Sprintf("%d nodes", s.topo.nodes)}
	case "route":
		lvl, ok := ParseLevel(f[2])
		if !ok {
			t.Fatalf("%s: bad level %q", where, f[2])
		}
		tok, _ := strconv.ParseUint(kv["token"], 10, 32)
		r := Request{Write: f[1] == "write", Level: lvl, Token: uint32(tok)}
		r.Routing = map[string]Routing{"": RouteNormal, "normal": RouteNormal, "local": RouteLocalOnly, "owner": RouteOwnerLocalRack, "all": RouteAllNodes}[kv["routing"]]
		Route(s.topo, r, &s.plan)
		s.tr.Start(s.topo, &s.plan)
		var out []string
		for i, tg := range s.plan.Targets {
			out = append(out, s.describe(i, tg))
		}
		return out
	case "reply":
		i, _ := strconv.Atoi(f[1])
		var r Reply
		switch f[2] {
		case "good":
			sum, _ := strconv.ParseUint(f[3], 10, 32)
			r.Sum = uint32(sum)
		case "err":
			r.Err = true
		case "fail":
			c, _ := strconv.Atoi(f[3])
			r.Err, r.Code = true, Code(c)
		}
		v := s.tr.Step(i, r)
		nq := ""
		if s.tr.NoQuorum() {
			nq = " no-quorum"
		}
		switch v {
		case Won:
			w, _ := s.tr.Result()
			return []string{fmt.Sprintf("Won t%d%s", w, nq)}
		case Lost:
			w, c := s.tr.Result()
			return []string{fmt.Sprintf("Lost t%d %q%s", w, c.Text(), nq)}
		case Retry:
			return []string{"Retry " + s.describe(len(s.plan.Targets)-1, s.tr.Retry())}
		}
		return []string{v.String()}
	}
	t.Fatalf("%s: unknown command %q", where, f[0])
	return nil
}

func (s *script) describe(i int, tg Target) string {
	d := fmt.Sprintf("t%d %s", i, s.topo.name(tg.Node))
	if tg.Node == s.topo.local {
		d += " local"
	}
	if tg.Counted {
		d += " counted"
	}
	if tg.Forward {
		d += " forward"
	}
	return d
}
