package main

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/hints/rackrepair"
	"github.com/dynomite-go/dynomite/engine/hints/replay"
	"github.com/dynomite-go/dynomite/engine/hints/warm"
	"github.com/dynomite-go/dynomite/engine/stats"
	"github.com/dynomite-go/dynomite/replica"
)

// stubNode is the least admin.Node: the repair paths use none of it.
type stubNode struct{}

func (stubNode) Consistency() (replica.Level, replica.Level) { return replica.DCOne, replica.DCOne }
func (stubNode) SetConsistency(bool, replica.Level)          {}
func (stubNode) State() admin.State                          { return admin.Normal }
func (stubNode) SetState(admin.State)                        {}
func (stubNode) LogLevel() int                               { return 5 }
func (stubNode) SetLogLevel(int)                             {}
func (stubNode) TimeoutFactor() int                          { return 1 }
func (stubNode) SetTimeoutFactor(int)                        {}
func (stubNode) ReadRepairs() bool                           { return false }
func (stubNode) SetReadRepairs(bool)                         {}
func (stubNode) SetPeerState(string, admin.State) int        { return 0 }
func (stubNode) Topology() admin.Topology                    { return admin.Topology{} }

// startStats serves the admin endpoint of node on a free port and returns
// its address.
func startStats(t *testing.T, node admin.Node) string {
	t.Helper()
	srv := admin.New("127.0.0.1:0", node, stats.New(stats.Config{Pool: "p"}), nil)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.Addr().String()
}

func repairRun(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = repairCommand(args, &o, &e)
	return code, o.String(), e.String()
}

func ownsHalf(key []byte) bool { return crc32.ChecksumIEEE(key)%2 == 0 }

func dialRedis(t *testing.T, addr string) *replay.Conn {
	t.Helper()
	c, err := replay.Dial(addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRepairSubcommand warms one redis-server from another through the
// stats port of a node serving a rackrepair.Runner, as the engine will,
// and checks the progress lines and that the data is the same after.
func TestRepairSubcommand(t *testing.T) {
	const n = 3000
	src, dst := enginetest.Redis(t), enginetest.Redis(t)
	s, d := dialRedis(t, src.Addr), dialRedis(t, dst.Addr)
	for i := range n {
		k := fmt.Appendf(nil, "key:%d", i)
		switch i % 3 {
		case 0:
			s.Queue([]byte("SET"), k, k)
		case 1:
			s.Queue([]byte("RPUSH"), k, k, []byte("x"))
		case 2:
			s.Queue([]byte("ZADD"), k, []byte("1.5"), k)
		}
	}
	if err := s.Send(); err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, err := s.Reply(); err != nil {
			t.Fatal(err)
		}
	}
	runner := rackrepair.New(rackrepair.Config{Local: dst.Addr, Owns: ownsHalf, Count: 100, CheckpointDir: t.TempDir()})
	t.Cleanup(runner.Close)
	addr := startStats(t, struct {
		stubNode
		*rackrepair.Runner
	}{stubNode{}, runner})

	// About 1,500 owned keys at 1,500 keys/s: a second of progress lines.
	code, out, errs := repairRun("-s", addr, "-source", src.Addr, "-rate", "1500", "-i", "100ms", "-timeout", "60s")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || errs != "" || len(lines) < 3 {
		t.Fatalf("unexpected warm-up: exit %d, stdout\n%s\nstderr %s", code, out, errs)
	}
	t.Log(out)
	for _, l := range lines {
		if !strings.HasPrefix(l, "warm from "+src.Addr+": scanned ") || !strings.Contains(l, " keys/s, ETA ") {
			t.Fatalf("unexpected progress line %q", l)
		}
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, fmt.Sprintf("/%d keys, copied ", n)) || !strings.Contains(last, ", done after ") {
		t.Fatalf("unexpected last line %q", last)
	}
	if !strings.Contains(strings.Join(lines[:len(lines)-1], "\n"), ", running after ") {
		t.Fatalf("unexpected progress: no line while running\n%s", out)
	}
	cmp := &warm.Compare{A: s, B: d, Owns: ownsHalf}
	sum, err := cmp.Run(context.Background())
	if err != nil || sum.Compared == 0 || sum.MissingInA+sum.MissingInB+sum.Differs != 0 {
		t.Fatalf("unexpected data after the warm-up: %+v, %v", sum, err)
	}

	// The comparison through the subcommand agrees, then finds and fixes
	// a difference made behind the node's back.
	code, out, errs = repairRun("-s", "http://"+addr, "-source", src.Addr, "-compare", "-i", "50ms", "-timeout", "60s")
	if code != 0 || !strings.Contains(out, ", differ 0, missing here 0, missing there 0, repaired 0, ") {
		t.Fatalf("unexpected comparison: exit %d, stdout\n%s\nstderr %s", code, out, errs)
	}
	d.Do([]byte("DEL"), []byte("key:0"))
	if !ownsHalf([]byte("key:0")) {
		d.Do([]byte("DEL"), []byte("key:1"))
	}
	code, out, errs = repairRun("-s", addr, "-source", src.Addr, "-compare", "-fix", "-i", "50ms", "-timeout", "60s")
	if code != 0 || !strings.Contains(out, ", missing here 1, missing there 0, repaired 1, ") {
		t.Fatalf("unexpected repair: exit %d, stdout\n%s\nstderr %s", code, out, errs)
	}
	if sum, err = cmp.Run(context.Background()); err != nil || sum.MissingInA+sum.MissingInB+sum.Differs != 0 {
		t.Fatalf("unexpected data after the repair: %+v, %v", sum, err)
	}

	// Without -source it shows the last run.
	code, out, _ = repairRun("-s", addr)
	if code != 0 || !strings.HasPrefix(out, "compare with "+src.Addr) || !strings.Contains(out, "done after") {
		t.Fatalf("unexpected status: exit %d, %q", code, out)
	}
}

func TestRepairSubcommandFailures(t *testing.T) {
	plain := startStats(t, stubNode{})
	runner := rackrepair.New(rackrepair.Config{Local: "127.0.0.1:1", Owns: ownsHalf, Timeout: time.Second})
	t.Cleanup(runner.Close)
	node := startStats(t, struct {
		stubNode
		*rackrepair.Runner
	}{stubNode{}, runner})
	for _, tc := range []struct {
		args   []string
		stdout string // a part of it
		stderr string // a part of it
	}{
		{[]string{"-s", plain, "-source", "127.0.0.1:2"}, "",
			"dynomite repair: the node answered 501 Not Implemented: ERR this node does not run repairs"},
		{[]string{"-s", node, "-source", "nope"}, "", "the node answered 400 Bad Request: ERR invalid source"},
		{[]string{"-s", node}, "no repair has run on this node", ""},
		{[]string{"-s", node, "-source", "127.0.0.1:2", "-i", "20ms", "-timeout", "30s"}, "warm from 127.0.0.1:2",
			"dynomite repair: the warm failed: cannot reach the source"},
		{[]string{"-s", "127.0.0.1:1", "-source", "127.0.0.1:2"}, "", "dynomite repair: cannot ask the node"},
		{[]string{"-fix", "-source", "h:1"}, "", "dynomite repair: -fix needs -compare"},
		{[]string{"-compare"}, "", "dynomite repair: -compare and -rate need -source"},
		{[]string{"-source", "h:1", "extra"}, "", "dynomite repair: unexpected argument 'extra'"},
		{[]string{"-bogus"}, "", "flag provided but not defined: -bogus"},
	} {
		code, out, errs := repairRun(tc.args...)
		want := 1
		if tc.stderr == "" {
			want = 0
		}
		if code != want || !strings.Contains(out, tc.stdout) || !strings.Contains(errs, tc.stderr) {
			t.Errorf("%q: unexpected exit %d, stdout %q, stderr %q; want %d, %q, %q", tc.args, code, out, errs, want, tc.stdout, tc.stderr)
		}
	}
	if code, _, errs := repairRun("-h"); code != 0 || !strings.HasPrefix(errs, "Usage: dynomite repair") {
		t.Errorf("unexpected help: exit %d, %q", code, errs)
	}
}

// TestRepairOnlyFirst: the subcommand is the first word only; Dynomite's
// command line keeps its meaning everywhere else.
func TestRepairOnlyFirst(t *testing.T) {
	if !isRepair([]string{"repair", "-s", "h:1"}) || isRepair([]string{"-t", "repair"}) || isRepair(nil) ||
		isRepair([]string{"-c", "repair"}) || isRepair([]string{"Repair"}) {
		t.Fatal("unexpected recognition of the subcommand")
	}
	if _, err := parseArgs([]string{"-t", "repair"}); err == nil || err.Error() != "unexpected argument 'repair'" {
		t.Fatalf("unexpected parse of a later 'repair': %v", err)
	}
	o, err := parseArgs([]string{"-c", "repair"})
	if err != nil || o.confFile != "repair" {
		t.Fatalf("unexpected parse of -c repair: %+v, %v", o, err)
	}
}
