package hints

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// FileName is the name of the hint file inside Options.Dir.
const FileName = "hints.log"

// entryOverhead is what one hint counts toward Options.MaxBytes besides
// its target and key: the bookkeeping it costs in memory.
const entryOverhead = 64

// Thresholds of the store's own file work.
const (
	flushAt    = 1 << 20 // Add writes the buffer itself past this many bytes
	compactMin = 1024    // no compaction below this many records in the file
)

// Options configure a Store. Zero bounds mean no bound.
type Options struct {
	Dir      string // directory of the hint file, created when missing
	MaxCount int    // most hints kept
	MaxBytes int64  // most bytes kept: targets, keys and 64 bytes per hint
	SyncEach bool   // fsync on every Flush, not only on Sync and Close
}

// Stats are the store's counters. Replayed and Dropped count since Open.
type Stats struct {
	Pending      int   // hints kept
	PendingBytes int64 // their size as counted toward MaxBytes
	Replayed     uint64
	Dropped      uint64 // evicted by a bound, or refused as too long
	TornBytes    int64  // bytes of an invalid tail cut off by Open
}

// entry is one pending hint, on two lists: all hints by age, and its
// target's hints by age.
type entry struct {
	t            *target
	key          string
	size         int64
	taken, again bool // returned by Pending; added again since then
	prev, next   *entry
	tprev, tnext *entry
}

type target struct {
	name       string
	head, tail *entry
	n          int
}

// Store is a bounded, persistent set of hints. See the package doc.
type Store struct {
	mu      sync.Mutex
	opts    Options
	path    string
	f       *os.File
	buf     []byte // records not yet written
	scratch []byte

	m          map[string]*entry // target "\x00" key -> hint
	targets    map[string]*target
	head, tail *entry // oldest, newest
	count      int
	bytes      int64
	records    int  // records in the file and in buf
	rewrite    bool // the file lost a write: rewrite it whole

	replayed, dropped uint64
	torn              int64
}

// Open opens (or creates) the hint file in opts.Dir and loads its hints.
// A torn or corrupt tail is cut off and reported in Stats.TornBytes; a file
// that is not a hint file is an error (ErrNotHintFile), left untouched.
func Open(opts Options) (*Store, error) {
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create hints directory: %w", err)
	}
	s := &Store{opts: opts, path: filepath.Join(opts.Dir, FileName), m: map[string]*entry{}, targets: map[string]*target{}}
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open hint file: %w", err)
	}
	s.f = f
	if err := s.load(); err != nil {
		f.Close()
		return nil, err
	}
	if err := s.flushLocked(); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// load reads the file back into the store.
func (s *Store) load() error {
	data, err := io.ReadAll(s.f)
	if err != nil {
		return fmt.Errorf("cannot read hint file: %w", err)
	}
	if len(data) < len(magic) && bytes.HasPrefix([]byte(magic), data) {
		s.torn = int64(len(data))
		return s.reset()
	}
	if !bytes.HasPrefix(data, []byte(magic)) {
		return fmt.Errorf("cannot load %s: %w", s.path, ErrNotHintFile)
	}
	off := len(magic)
	for off < len(data) {
		r, n, err := decodeRecord(data[off:])
		if err != nil {
			break
		}
		s.records++
		s.apply(r)
		off += n
	}
	if off < len(data) {
		s.torn = int64(len(data) - off)
		if err := s.f.Truncate(int64(off)); err != nil {
			return fmt.Errorf("cannot cut the torn tail of %s: %w", s.path, err)
		}
	}
	if s.records >= compactMin && s.records > 2*s.count {
		s.rewrite = true
	}
	return nil
}

// apply replays one record read from the file.
func (s *Store) apply(r record) {
	t := string(r.target)
	switch r.op {
	case opAdd:
		s.add(t, r.key)
	case opDone, opDrop:
		s.scratch = appendID(s.scratch[:0], t, r.key)
		if e := s.m[string(s.scratch)]; e != nil {
			s.remove(e)
		}
	}
}

// reset makes the file an empty hint file.
func (s *Store) reset() error {
	if err := s.f.Truncate(0); err != nil {
		return fmt.Errorf("cannot reset hint file: %w", err)
	}
	if _, err := s.f.Write([]byte(magic)); err != nil {
		return fmt.Errorf("cannot reset hint file: %w", err)
	}
	return nil
}

func appendID(dst []byte, target string, key []byte) []byte {
	dst = append(dst, target...)
	dst = append(dst, 0)
	return append(dst, key...)
}

// Add records that target missed a write of key. A pair already pending
// is not added twice; when it was returned by Pending and not yet Done, it
// is marked to be copied again. Past a bound the oldest hints are dropped.
// A target that is empty, longer than MaxTarget or holds a NUL byte, or a
// key longer than MaxKey, is refused and counted as dropped. key is copied.
// On a nil Store, Add does nothing.
func (s *Store) Add(target string, key []byte) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if target == "" || len(target) > MaxTarget || len(key) > MaxKey || bytes.IndexByte([]byte(target), 0) >= 0 {
		s.dropped++
		return
	}
	s.add(target, key)
	if len(s.buf) >= flushAt {
		s.flushLocked() // an error leaves s.rewrite set; the next Flush reports it
	}
}

// add is Add under the lock, also used by load.
func (s *Store) add(name string, key []byte) {
	s.scratch = appendID(s.scratch[:0], name, key)
	if e := s.m[string(s.scratch)]; e != nil {
		// Its Add record is still in the file; Done moves it if needed.
		e.again = e.again || e.taken
		return
	}
	size := int64(len(name)+len(key)) + entryOverhead
	if s.opts.MaxBytes > 0 && size > s.opts.MaxBytes {
		s.dropped++
		return
	}
	for s.head != nil && (s.opts.MaxCount > 0 && s.count >= s.opts.MaxCount || s.opts.MaxBytes > 0 && s.bytes+size > s.opts.MaxBytes) {
		old := s.head
		s.log(opDrop, old.t.name, []byte(old.key))
		s.remove(old)
		s.dropped++
	}
	t := s.targets[name]
	if t == nil {
		t = &target{name: name}
		s.targets[name] = t
	}
	e := &entry{t: t, key: string(key), size: size}
	s.m[string(s.scratch)] = e
	s.count++
	s.bytes += size
	s.link(e)
	s.log(opAdd, name, key)
}

// link appends e at the newest end of both lists.
func (s *Store) link(e *entry) {
	e.prev, e.next = s.tail, nil
	if s.tail != nil {
		s.tail.next = e
	} else {
		s.head = e
	}
	s.tail = e
	t := e.t
	e.tprev, e.tnext = t.tail, nil
	if t.tail != nil {
		t.tail.tnext = e
	} else {
		t.head = e
	}
	t.tail = e
	t.n++
}

// unlink takes e off both lists.
func (s *Store) unlink(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		s.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		s.tail = e.prev
	}
	t := e.t
	if e.tprev != nil {
		e.tprev.tnext = e.tnext
	} else {
		t.head = e.tnext
	}
	if e.tnext != nil {
		e.tnext.tprev = e.tprev
	} else {
		t.tail = e.tprev
	}
	t.n--
	e.prev, e.next, e.tprev, e.tnext = nil, nil, nil, nil
}

// remove forgets e.
func (s *Store) remove(e *entry) {
	s.unlink(e)
	s.scratch = appendID(s.scratch[:0], e.t.name, []byte(e.key))
	delete(s.m, string(s.scratch))
	if e.t.n == 0 {
		delete(s.targets, e.t.name)
	}
	s.count--
	s.bytes -= e.size
}

// log buffers one record for the next write.
func (s *Store) log(op byte, target string, key []byte) {
	s.buf = appendRecord(s.buf, op, target, key)
	s.records++
}

// Pending returns up to max of target's hints, oldest first, that are not
// already returned by an earlier call and not yet Done or Released. The
// keys are copies owned by the caller. Each one must end with Done (copied)
// or Release (not copied, return it again later).
func (s *Store) Pending(target string, max int) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.targets[target]
	if t == nil {
		return nil
	}
	var out [][]byte
	for e := t.head; e != nil && len(out) < max; e = e.tnext {
		if !e.taken {
			e.taken = true
			out = append(out, []byte(e.key))
		}
	}
	return out
}

// Done reports that key, returned by Pending for target, was copied. The
// hint is removed, unless it was added again since Pending returned it:
// then it becomes pending anew, as the newest hint. For a hint not
// currently returned by Pending, Done does nothing.
func (s *Store) Done(target string, key []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scratch = appendID(s.scratch[:0], target, key)
	e := s.m[string(s.scratch)]
	if e == nil || !e.taken {
		return
	}
	if e.again {
		e.taken, e.again = false, false
		s.unlink(e)
		s.link(e)
		s.log(opDone, target, key) // the file moves it to the newest end too
		s.log(opAdd, target, key)
		return
	}
	s.log(opDone, target, key)
	s.remove(e)
	s.replayed++
	if s.records >= compactMin && s.records > 2*s.count {
		s.compact() // on failure s.rewrite makes the next Flush retry and report
	}
}

// Release makes every hint of target returned by Pending and not yet Done
// pending again, in its place (a replay that stopped half-way).
func (s *Store) Release(target string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.targets[target]; t != nil {
		for e := t.head; e != nil; e = e.tnext {
			e.taken, e.again = false, false
		}
	}
}

// Targets returns the targets that have pending hints, in no order.
func (s *Store) Targets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.targets))
	for name := range s.targets {
		out = append(out, name)
	}
	return out
}

// Len returns the number of target's pending hints.
func (s *Store) Len(target string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.targets[target]; t != nil {
		return t.n
	}
	return 0
}

// Stats returns the counters.
func (s *Store) Stats() Stats {
	if s == nil {
		return Stats{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Pending: s.count, PendingBytes: s.bytes, Replayed: s.replayed, Dropped: s.dropped, TornBytes: s.torn}
}
