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
