package hints

import (
	"fmt"
	"os"
)

// Flush writes the records buffered by Add, Done and the bounds with one
// write(2) (and fsync(2) with Options.SyncEach), or rewrites the file whole
// when it holds mostly dead records or lost a write. When Flush returns nil,
// every hint added before the call survives the process being killed. On a
// nil Store, Flush does nothing.
func (s *Store) Flush() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

func (s *Store) flushLocked() error {
	if s.rewrite {
		return s.compact()
	}
	if len(s.buf) == 0 {
		return nil
	}
	_, err := s.f.Write(s.buf)
	s.buf = s.buf[:0]
	if err != nil {
		s.rewrite = true // the file may end in part of a record
		return fmt.Errorf("cannot write hint file: %w", err)
	}
	if s.opts.SyncEach {
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("cannot sync hint file: %w", err)
		}
	}
	return nil
}

// Sync flushes and fsyncs the hint file.
func (s *Store) Sync() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.flushLocked(); err != nil {
		return err
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("cannot sync hint file: %w", err)
	}
	return nil
}

// Close syncs and closes the file. The Store must not be used afterwards.
func (s *Store) Close() error {
	if s == nil {
		return nil
	}
	err := s.Sync()
	s.mu.Lock()
	defer s.mu.Unlock()
	if cerr := s.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("cannot close hint file: %w", cerr)
	}
	return err
}

// compact writes the pending hints, oldest first, to a new file, fsyncs it,
// renames it over the hint file and fsyncs the directory. Buffered records
// are superseded by it. On failure the old file stays in use and the next
// Flush tries again.
func (s *Store) compact() error {
	tmp := s.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("cannot compact hint file: %w", err)
	}
	buf := append(make([]byte, 0, 64<<10), magic...)
	for e := s.head; e != nil; e = e.next {
		buf = appendRecord(buf, opAdd, e.t.name, []byte(e.key))
		if len(buf) >= flushAt {
			if _, err = f.Write(buf); err != nil {
				break
			}
			buf = buf[:0]
		}
	}
	if err == nil {
		_, err = f.Write(buf)
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = os.Rename(tmp, s.path)
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		s.rewrite = true
		return fmt.Errorf("cannot compact hint file: %w", err)
	}
	syncDir(s.opts.Dir)
	s.f.Close()
	s.f = f
	s.buf = s.buf[:0]
	s.records = s.count
	s.rewrite = false
	return nil
}

// syncDir makes a rename in dir durable; failure only weakens durability
// against a machine crash, so it is not reported.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
