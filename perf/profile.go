package perf

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Main is `dynomite-bench perf [flags] [packages]`: it prints the machine,
// runs the micro-benchmarks of each package (default ./perf/; patterns such
// as ./codec/... are expanded) with -benchmem under the CPU profiler and the
// memory profiler (recording every allocation), and prints the top entries of
// the CPU profile and of the allocation profile (bytes and objects). It needs
// the go command and the module's source tree.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dynomite-bench perf", flag.ContinueOnError)
	fs.SetOutput(stderr)
	benchRE := fs.String("bench", ".", "benchmarks to run (go test -bench)")
	benchtime := fs.String("benchtime", "1s", "time per benchmark (go test -benchtime)")
	top := fs.Int("top", 15, "profile entries to print")
	goCmd := fs.String("go", "go", "go command")
	out := fs.String("out", "", "directory to keep profiles and test binaries in (default: a temporary one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	patterns := fs.Args()
	if len(patterns) == 0 {
		patterns = []string{"./perf/"}
	}
	pkgs, err := benchPackages(ctx, *goCmd, patterns)
	if err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		tmp, err := os.MkdirTemp("", "dynomite-perf-")
		if err != nil {
			return fmt.Errorf("cannot create a temporary directory: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", dir, err)
	}
	_, _ = Detect().WriteTo(stdout)
	var errs error
	for i, pkg := range pkgs {
		p := profileRun{goCmd: *goCmd, pkg: pkg, dir: filepath.Join(dir, fmt.Sprintf("%02d", i)),
			bench: *benchRE, benchtime: *benchtime, top: *top}
		errs = errors.Join(errs, p.run(ctx, stdout, stderr))
	}
	return errs
}

// benchPackages expands package patterns (./codec/...) with go list and keeps
// the packages whose test files declare a benchmark, since go test writes a
// profile for one package at a time.
func benchPackages(ctx context.Context, goCmd string, patterns []string) ([]string, error) {
	args := append([]string{"list", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{join .TestGoFiles \",\"}},{{join .XTestGoFiles \",\"}}"}, patterns...)
	out, err := exec.CommandContext(ctx, goCmd, args...).Output()
	if err != nil {
		return nil, fmt.Errorf("cannot list packages %v: %w", patterns, err)
	}
	var pkgs []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			continue
		}
		for _, name := range strings.Split(f[2], ",") {
			if name == "" {
				continue
			}
			b, err := os.ReadFile(filepath.Join(f[1], name))
			if err == nil && strings.Contains(string(b), "\nfunc Benchmark") {
				pkgs = append(pkgs, f[0])
				break
			}
		}
	}
	return pkgs, nil
}

// profileRun profiles the benchmarks of one package.
type profileRun struct {
	goCmd, pkg, dir, bench, benchtime string
	top                               int
}

func (p profileRun) run(ctx context.Context, stdout, stderr io.Writer) error {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", p.dir, err)
	}
	bin := filepath.Join(p.dir, "pkg.test")
	cpu := filepath.Join(p.dir, "cpu.prof")
	mem := filepath.Join(p.dir, "mem.prof")
	fmt.Fprintf(stdout, "\n== %s: benchmarks (-benchmem)\n", p.pkg)
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	test := exec.CommandContext(ctx, p.goCmd, "test", "-run", "^$", "-bench", p.bench, "-benchmem",
		"-benchtime", p.benchtime, "-o", bin, "-cpuprofile", cpu, "-memprofile", mem, "-memprofilerate", "1", p.pkg)
	test.Stdout, test.Stderr = stdout, stderr
	if err := test.Run(); err != nil {
		return fmt.Errorf("cannot benchmark %s: %w", p.pkg, err)
	}
	if st, err := os.Stat(cpu); err != nil || st.Size() == 0 {
		fmt.Fprintf(stdout, "(no benchmarks ran in %s: no profile)\n", p.pkg)
		return nil
	}
	for _, v := range []struct{ title, prof, index string }{
		{"CPU", cpu, ""},
		{"allocated bytes", mem, "alloc_space"},
		{"allocated objects", mem, "alloc_objects"},
	} {
		fmt.Fprintf(stdout, "\n== %s: %s, top %d\n", p.pkg, v.title, p.top)
		args := []string{"tool", "pprof", "-top", fmt.Sprintf("-nodecount=%d", p.top)}
		if v.index != "" {
			args = append(args, "-sample_index="+v.index)
		}
		args = append(args, bin, v.prof)
		cmd := exec.CommandContext(ctx, p.goCmd, args...)
		var b strings.Builder
		cmd.Stdout, cmd.Stderr = &b, stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("cannot read the %s profile of %s: %w", v.title, p.pkg, err)
		}
		fmt.Fprint(stdout, b.String())
	}
	return nil
}
