package hints

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func open(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := Open(opts)
	if err != nil {
		t.Fatalf("cannot open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func keys(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

func eq(t *testing.T, what string, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("unexpected %s; got %q; want %q", what, got, want)
	}
}

func TestAddPendingDone(t *testing.T) {
	s := open(t, Options{Dir: t.TempDir()})
	s.Add("n1", []byte("a"))
	s.Add("n2", []byte("x"))
	s.Add("n1", []byte("b"))
	s.Add("n1", []byte("a")) // collapses
	if st := s.Stats(); st.Pending != 3 {
		t.Fatalf("unexpected pending; got %d; want 3", st.Pending)
	}
	eq(t, "pending", keys(s.Pending("n1", 10)), []string{"a", "b"})
	if got := s.Pending("n1", 10); len(got) != 0 {
		t.Fatalf("unexpected second Pending; got %q; want none", keys(got))
	}
	s.Add("n1", []byte("a")) // written again while being copied
	s.Done("n1", []byte("a"))
	s.Done("n1", []byte("b"))
	eq(t, "pending after Done", keys(s.Pending("n1", 10)), []string{"a"})
	s.Release("n1")
	eq(t, "pending after Release", keys(s.Pending("n1", 10)), []string{"a"})
	s.Done("n1", []byte("a"))
	s.Done("n1", []byte("zz")) // unknown: nothing
	st := s.Stats()
	if st.Pending != 1 || st.Replayed != 2 || st.Dropped != 0 {
		t.Fatalf("unexpected stats %+v; want 1 pending, 2 replayed", st)
	}
	eq(t, "targets", s.Targets(), []string{"n2"})
}

func TestBounds(t *testing.T) {
	s := open(t, Options{Dir: t.TempDir(), MaxCount: 3})
	for i := range 5 {
		s.Add("n", fmt.Appendf(nil, "k%d", i))
	}
	eq(t, "pending after count bound", keys(s.Pending("n", 10)), []string{"k2", "k3", "k4"})
	if st := s.Stats(); st.Dropped != 2 || st.Pending != 3 {
		t.Fatalf("unexpected stats %+v; want 2 dropped, 3 pending", st)
	}

	// Each hint of target "n" and a 10-byte key counts 1+10+64 bytes.
	s = open(t, Options{Dir: t.TempDir(), MaxBytes: 3*75 + 10})
	for i := range 4 {
		s.Add("n", fmt.Appendf(nil, "key-%06d", i))
	}
	s.Add("n", make([]byte, 300)) // larger than the bound alone
	if st := s.Stats(); st.Dropped != 2 || st.Pending != 3 || st.PendingBytes != 3*75 {
		t.Fatalf("unexpected stats %+v; want 2 dropped, 3 pending of 225 bytes", st)
	}
	eq(t, "pending after byte bound", keys(s.Pending("n", 10)), []string{"key-000001", "key-000002", "key-000003"})

	s.Add("", []byte("k"))
	s.Add("a\x00b", []byte("k"))
	s.Add(string(make([]byte, MaxTarget+1)), []byte("k"))
	if st := s.Stats(); st.Dropped != 5 {
		t.Fatalf("unexpected dropped %d; want 5 after three refused targets", st.Dropped)
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir, MaxCount: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 150 {
		s.Add(fmt.Sprintf("n%d", i%3), fmt.Appendf(nil, "k%d", i))
	}
	got := s.Pending("n0", 5)
	s.Done("n0", got[0])
	s.Done("n0", got[1])
	s.Add("n0", got[2]) // again: survives its Done
	s.Done("n0", got[2])
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for _, n := range []string{"n0", "n1", "n2"} {
		s.Release(n)
		want[n] = keys(s.Pending(n, 1000))
		s.Release(n)
	}
	// No Close: a killed process only wrote what Flush wrote.
	r := open(t, Options{Dir: dir, MaxCount: 100})
	for n, w := range want {
		eq(t, "pending of "+n+" after reopen", keys(r.Pending(n, 1000)), w)
	}
	if st := r.Stats(); st.Pending != 98 || st.TornBytes != 0 {
		t.Fatalf("unexpected stats after reopen %+v; want 98 pending", st)
	}
	s.f.Close()
}

func TestTornTail(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s.Add("n", []byte("first"))
	s.Add("n", []byte("second"))
	s.Close()
	path := filepath.Join(dir, FileName)
	data, _ := os.ReadFile(path)
	whole := len(data)
	for cut := whole - 1; cut > whole-recordSize("n", []byte("second")); cut-- {
		if err := os.WriteFile(path, data[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(Options{Dir: dir})
		if err != nil {
			t.Fatalf("cannot open a file cut at %d: %v", cut, err)
		}
		eq(t, "pending with a torn tail", keys(r.Pending("n", 10)), []string{"first"})
		if st := r.Stats(); st.TornBytes != int64(cut-(whole-recordSize("n", []byte("second")))) {
			t.Fatalf("unexpected torn bytes %d at cut %d", st.TornBytes, cut)
		}
		r.Release("n")
		r.Add("n", []byte("third")) // appended after the cut
		r.Close()
		r, err = Open(Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "pending after append past a torn tail", keys(r.Pending("n", 10)), []string{"first", "third"})
		r.Close()
	}
	// A flipped byte in the last record: cut like a torn one.
	data[whole-1] ^= 0xff
	os.WriteFile(path, data, 0o644)
	r := open(t, Options{Dir: dir})
	eq(t, "pending with a corrupt tail", keys(r.Pending("n", 10)), []string{"first"})

	// A torn header, and a foreign file.
	os.WriteFile(path, []byte(magic[:4]), 0o644)
	r2 := open(t, Options{Dir: dir})
	if st := r2.Stats(); st.Pending != 0 || st.TornBytes != 4 {
		t.Fatalf("unexpected stats with a torn header %+v", st)
	}
	os.WriteFile(path, []byte("hello world, not hints"), 0o644)
	if _, err := Open(Options{Dir: dir}); !errors.Is(err, ErrNotHintFile) {
		t.Fatalf("unexpected error for a foreign file; got %v; want ErrNotHintFile", err)
	}
}

func TestCompaction(t *testing.T) {
	dir := t.TempDir()
	s := open(t, Options{Dir: dir})
	for i := range 3000 {
		s.Add("n", fmt.Appendf(nil, "key-%d", i))
	}
	s.Flush()
	path := filepath.Join(dir, FileName)
	before, _ := os.Stat(path)
	for range 30 {
		for _, k := range s.Pending("n", 100) {
			s.Done("n", k)
		}
	}
	s.Add("n", []byte("last"))
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if after.Size() >= before.Size()/4 {
		t.Fatalf("unexpected file size after compaction; got %d; before %d", after.Size(), before.Size())
	}
	data, _ := os.ReadFile(path)
	if !bytes.HasPrefix(data, []byte(magic)) {
		t.Fatalf("unexpected compacted file start %q", data[:min(len(data), 16)])
	}
	r := open(t, Options{Dir: dir})
	if st := r.Stats(); st.Pending != s.Stats().Pending {
		t.Fatalf("unexpected pending after compaction and reopen; got %d; want %d", st.Pending, s.Stats().Pending)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("unexpected temporary file left: %v", err)
	}
}

// TestDisabled: the engine calls Add and Flush on a nil Store when hints
// are off; that must cost no allocation.
func TestDisabled(t *testing.T) {
	var s *Store
	key := []byte("key")
	n := testing.AllocsPerRun(100, func() {
		s.Add("node", key)
		if s.Flush() != nil {
			t.Fatal("unexpected error")
		}
	})
	if n != 0 {
		t.Fatalf("unexpected allocations on a disabled store; got %v; want 0", n)
	}
	if st := s.Stats(); st != (Stats{}) {
		t.Fatalf("unexpected stats of a disabled store %+v", st)
	}
}
