package rackrepair

import (
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/hints/replay"
)

func half(key []byte) bool { return crc32.ChecksumIEEE(key)%2 == 0 }

func dial(t *testing.T, addr string) *replay.Conn {
	t.Helper()
	c, err := replay.Dial(addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// fill writes n string keys and a hash every tenth key, pipelined.
func fill(t *testing.T, c *replay.Conn, n int) {
	t.Helper()
	for i := range n {
		k := fmt.Appendf(nil, "k:%d", i)
		if i%10 == 0 {
			c.Queue([]byte("HSET"), k, []byte("f"), k)
		} else {
			c.Queue([]byte("SET"), k, k)
		}
	}
	if err := c.Send(); err != nil {
		t.Fatal(err)
	}
	for range n {
		if r, err := c.Reply(); err != nil || replay.OK(r) != nil {
			t.Fatalf("cannot fill: %v %q", err, r)
		}
	}
}

func owned(n int) int64 {
	var c int64
	for i := range n {
		if half(fmt.Appendf(nil, "k:%d", i)) {
			c++
		}
	}
	return c
}

// wait polls the status until the run ends, within a bound.
func wait(t *testing.T, r *Runner) admin.RepairStatus {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if st := r.RepairStatus(); st.State != admin.RepairRunning {
			return st
		}
	}
	t.Fatalf("the run did not end: %+v", r.RepairStatus())
	return admin.RepairStatus{}
}

func dbsize(t *testing.T, c *replay.Conn) int64 {
	t.Helper()
	r, err := c.Do([]byte("DBSIZE"))
	n, err2 := replay.Int(r)
	if err != nil || err2 != nil {
		t.Fatalf("cannot read DBSIZE: %v %v", err, err2)
	}
	return n
}

func TestWarmAndCompare(t *testing.T) {
	const n = 3000
	src, dst := enginetest.Redis(t), enginetest.Redis(t)
	s, d := dial(t, src.Addr), dial(t, dst.Addr)
	fill(t, s, n)
	var began, ended int
	r := New(Config{Local: dst.Addr, Owns: half, Count: 200, CheckpointDir: t.TempDir(),
		Began: func(admin.RepairJob) { began++ }, Ended: func(admin.RepairStatus) { ended++ }})
	defer r.Close()
	if st := r.RepairStatus(); st.State != admin.RepairIdle || st.ID != 0 {
		t.Fatalf("unexpected status before any run: %+v", st)
	}
	// Slow enough (2,000 owned keys/s) that a second start finds it running.
	st, err := r.StartRepair(admin.RepairJob{Mode: admin.RepairWarm, Source: src.Addr, Rate: 2000})
	if err != nil || st.ID != 1 || st.State != admin.RepairRunning {
		t.Fatalf("unexpected start: %+v, %v", st, err)
	}
	if _, err := r.StartRepair(admin.RepairJob{Mode: admin.RepairCompare, Source: src.Addr}); !errors.Is(err, admin.ErrRepairRunning) {
		t.Fatalf("unexpected second start: %v", err)
	}
	st = wait(t, r)
	if st.State != admin.RepairDone || st.Copied != owned(n) || st.Scanned < n || st.Total != n || st.Err != "" {
		t.Fatalf("unexpected warm-up status %+v; want %d copied", st, owned(n))
	}
	if got := dbsize(t, d); got != owned(n) {
		t.Fatalf("unexpected keys in the target; got %d; want %d", got, owned(n))
	}
	if began != 1 || ended != 1 {
		t.Fatalf("unexpected hooks: began %d, ended %d", began, ended)
	}

	// Compare finds what changed behind the node's back, and repairs it.
	if !half([]byte("k:0")) {
		t.Fatal("k:0 is not owned; pick another key")
	}
	d.Do([]byte("SET"), []byte("k:0"), []byte("changed"))
	if _, err := r.StartRepair(admin.RepairJob{Mode: admin.RepairCompare, Source: src.Addr}); err != nil {
		t.Fatal(err)
	}
	st = wait(t, r)
	if st.State != admin.RepairDone || st.Differs != 1 || st.Repaired != 0 || st.Compared != owned(n) || st.Total != n+owned(n) {
		t.Fatalf("unexpected comparison %+v", st)
	}
	if _, err := r.StartRepair(admin.RepairJob{Mode: admin.RepairCompare, Source: src.Addr, Fix: true}); err != nil {
		t.Fatal(err)
	}
	if st = wait(t, r); st.State != admin.RepairDone || st.Differs != 1 || st.Repaired != 1 || st.ID != 3 {
		t.Fatalf("unexpected repair %+v", st)
	}
	if v, _ := d.Do([]byte("HGET"), []byte("k:0"), []byte("f")); string(v) != "$3\r\nk:0\r\n" {
		t.Fatalf("unexpected repaired value %q", v)
	}
}

func TestRefusalsAndFailure(t *testing.T) {
	dst := enginetest.Redis(t)
	r := New(Config{Local: dst.Addr, Owns: half, Timeout: time.Second})
	if _, err := r.StartRepair(admin.RepairJob{Mode: admin.RepairWarm, Source: dst.Addr}); err == nil {
		t.Fatal("unexpected warm-up from the node's own datastore")
	}
	if _, err := r.StartRepair(admin.RepairJob{Source: "127.0.0.1:1"}); err == nil {
		t.Fatal("unexpected start without a mode")
	}
	// Nothing listens on port 1: the run fails and says why.
	if _, err := r.StartRepair(admin.RepairJob{Mode: admin.RepairWarm, Source: "127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}
	if st := wait(t, r); st.State != admin.RepairFailed || st.Err == "" {
		t.Fatalf("unexpected status of a run from nowhere: %+v", st)
	}
	r.Close()
	if _, err := r.StartRepair(admin.RepairJob{Mode: admin.RepairWarm, Source: "127.0.0.1:1"}); err == nil {
		t.Fatal("unexpected start after Close")
	}
}

// TestCloseResumes stops a warm-up half-way with Close; a new Runner (a
// restarted node) given the same source resumes from the checkpoint.
func TestCloseResumes(t *testing.T) {
	const n = 4000
	src, dst := enginetest.Redis(t), enginetest.Redis(t)
	s, d := dial(t, src.Addr), dial(t, dst.Addr)
	fill(t, s, n)
	dir := t.TempDir()
	cfg := Config{Local: dst.Addr, Owns: half, Count: 100, CheckpointDir: dir}
	r := New(cfg)
	if _, err := r.StartRepair(admin.RepairJob{Mode: admin.RepairWarm, Source: src.Addr, Rate: 2000}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); r.RepairStatus().Copied < 300; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no progress: %+v", r.RepairStatus())
		}
	}
	r.Close()
	first := r.RepairStatus()
	if first.State != admin.RepairFailed || first.Scanned >= n {
		t.Fatalf("unexpected status after Close: %+v", first)
	}
	ckpt, _ := filepath.Glob(filepath.Join(dir, "warm-*.ckpt"))
	if len(ckpt) != 1 {
		t.Fatalf("unexpected checkpoints %q", ckpt)
	}
	r2 := New(cfg)
	defer r2.Close()
	if _, err := r2.StartRepair(admin.RepairJob{Mode: admin.RepairWarm, Source: src.Addr}); err != nil {
		t.Fatal(err)
	}
	st := wait(t, r2)
	if st.State != admin.RepairDone || st.Scanned < n || st.Scanned >= n+first.Scanned {
		t.Fatalf("unexpected resumed run %+v (the first stopped at %d)", st, first.Scanned)
	}
	if got := dbsize(t, d); got != owned(n) {
		t.Fatalf("unexpected keys in the target; got %d; want %d", got, owned(n))
	}
	if _, err := os.Stat(ckpt[0]); !os.IsNotExist(err) {
		t.Fatalf("unexpected checkpoint left after the run: %v", err)
	}
}
