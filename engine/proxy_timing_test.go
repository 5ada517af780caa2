package engine

// Side-by-side throughput of redis-server direct and through an in-process
// node, measured with redis-benchmark (Debian redis-tools):
//
//	go test -run '^$' -bench RedisBenchmark -benchtime 1x ./engine/
//
// Each workload runs redis-benchmark against redis direct, then through the
// node, then direct again, for a bounded request count, and reports the
// ratio proxy/direct (against the mean of the two direct runs), the node's
// CPU time per request (getrusage of this process over the proxied run),
// and the datastore sends and client writes per request.

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

type benchLoad struct {
	name    string
	args    []string
	tests   string
	request int
}

var benchLoads = []benchLoad{
	{"c8", []string{"-c", "8", "--threads", "2", "-d", "32"}, "set,get", 100000},
	{"c8-P16", []string{"-c", "8", "--threads", "2", "-d", "32", "-P", "16"}, "set,get", 400000},
	{"c100", []string{"-c", "100", "--threads", "2", "-d", "32"}, "set,get", 100000},
}

func BenchmarkRedisBenchmark(b *testing.B) {
	if _, err := exec.LookPath("redis-benchmark"); err != nil {
		b.Fatalf("redis-benchmark is needed: %v", err)
	}
	n, r := proxy(b, nil)
	direct, via := r.Addr, n.ClientAddr().String()
	for _, l := range benchLoads {
		b.Run(l.name, func(b *testing.B) {
			d1 := redisBenchmark(b, direct, l)
			before := sample(n)
			p := redisBenchmark(b, via, l)
			after := sample(n)
			d2 := redisBenchmark(b, direct, l)
			reqs := float64(2 * l.request)
			for test, ops := range p {
				d := (d1[test] + d2[test]) / 2
				b.ReportMetric(ops/d, test+"-ratio")
				b.Logf("%s %s: direct %.0f/%.0f ops/s, proxy %.0f ops/s, ratio %.2f",
					l.name, test, d1[test], d2[test], ops, ops/d)
			}
			cpu := after.cpu - before.cpu
			b.ReportMetric(float64(cpu.Microseconds())/reqs, "cpu-µs/req")
			b.ReportMetric(float64(after.sends-before.sends)/reqs, "dssends/req")
			b.ReportMetric(float64(after.syscw-before.syscw)/reqs, "writes/req")
			b.ReportMetric(float64(after.syscr-before.syscr)/reqs, "reads/req")
		})
	}
}

// redisBenchmark runs one bounded redis-benchmark and returns ops/s per test.
func redisBenchmark(b *testing.B, addr string, l benchLoad) map[string]float64 {
	host, port, _ := strings.Cut(addr, ":")
	args := append([]string{"-h", host, "-p", port, "-n", strconv.Itoa(l.request), "-t", l.tests, "--csv", "-r", "100000"}, l.args...)
	cmd := exec.Command("redis-benchmark", args...)
	cmd.WaitDelay = time.Second
	timer := time.AfterFunc(60*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("redis-benchmark %v: %v\n%s", args, err, out)
	}
	res := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if len(f) < 2 {
			continue
		}
		name := strings.Trim(f[0], `"`)
		v, err := strconv.ParseFloat(strings.Trim(f[1], `"`), 64)
		if err == nil {
			res[name] = v
		}
	}
	if len(res) == 0 {
		b.Fatalf("no result from redis-benchmark: %s", out)
	}
	return res
}

type usage struct {
	cpu          time.Duration
	sends        int64
	syscr, syscw int64
}

func sample(n *Node) usage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	u := usage{
		cpu:   time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		sends: n.sends.Load(),
	}
	if b, err := os.ReadFile("/proc/self/io"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(line, ": ")
			x, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "syscr":
				u.syscr = x
			case "syscw":
				u.syscw = x
			}
		}
	}
	return u
}
