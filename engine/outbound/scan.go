package outbound

import (
	"errors"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
)

// scanRESP is scan for Redis: a reply frames itself.
func scanRESP(s *Conn, buf []byte) ([]byte, int, error) {
	n, err := s.scanner.Scan(buf)
	if err != nil && errors.Is(err, resp.ErrIncomplete) {
		return nil, 0, errNeedMore
	}
	return buf[:n], n, err
}

// skipTooLarge discards the datastore reply the scanner refused with
// resp.ErrReplyTooLarge (its request was answered resp.ReplyTooLarge): it
// returns the bytes of buf that belong to it and done once its end is
// among them. A protocol error closes the connection (every request
// queued on it fails); a reply merely too large never does.
func (s *Conn) skipTooLarge(buf []byte) (int, bool, error) {
	n, done, err := s.scanner.Skip(buf)
	if err != nil {
		s.env.Log.Warn("bad reply from datastore, closing the connection", "server", s.link.Addr, "err", err)
		s.FailLater()
		return len(buf), false, err
	}
	return n, done, nil
}

// mcOut is the memcached reply state of a dialled connection: scanner
// belongs to the poller reading replies, batch to s.mu.
type mcOut struct {
	scanner memcache.ReplyScanner
	// batch joins single-key gets toward memcached (memcache_batch.go);
	// server side, s.mu.
	batch memcache.GetBatch
}

// scanMemcache is scan for memcached: the reply is framed for the command
// of the oldest request, the one it answers. Only this poller pops the
// FIFO, so the head cannot change between here and complete.
func scanMemcache(s *Conn, buf []byte) ([]byte, int, error) {
	s.Mu.Lock()
	m := s.fifo.Peek()
	if m != nil && m.Batched {
		reply, n, err := s.scanBatched(buf)
		s.Mu.Unlock()
		return reply, n, err
	}
	s.Mu.Unlock()
	if m == nil {
		return nil, 0, errNoRequest
	}
	n, _, err := s.mc.scanner.Scan(buf, memcache.Command(m.Cmd))
	if err == memcache.ErrIncomplete {
		return nil, 0, errNeedMore
	}
	return buf[:n], n, err
}
