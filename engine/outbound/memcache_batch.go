package outbound

import (
	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/engine/msg"
)

// Single-key gets travel to memcached as multi-key gets.
//
// The node coalesces the requests of all its clients into one write per
// datastore connection; on a memcached connection it also joins
// consecutive single-key gets of that write into one "get k1 k2 ...\r\n"
// line (memcache.GetBatch: at most memcache.MaxBatchKeys keys and
// memcache.MaxBatchLine bytes), which memcached answers with one lookup
// pass and one send instead of one send per few replies (README.md,
// "Memory and zero-copy design", has the measurements).
//
// Each joined msg keeps its place in the FIFO, marked batched; its key
// waits in the batch. When a batched msg is the FIFO head, the batch cuts
// its reply out of memcached's answer to the line, so each client gets
// what a single get would have given it: the VALUE block and END, or END
// alone. Anything else in that answer closes the connection, and every
// request on it fails as on any broken datastore connection.
//
//	clients:  get a | get b | set c ... | get d
//	memcached: get a b\r\n set c ...\r\n get d\r\n

// appendMemcache appends frame, the request of m, to the output of
// memcached conn s (s.mu held), joining it to the open get line when it is
// a single-key get whose reply the client sees whole.
func (s *Conn) AppendMemcache(frame []byte, m *msg.Msg) {
	b := &s.mc.batch
	key, ok := memcache.SingleGetKey(frame)
	if !ok || memcache.Command(m.Cmd) != memcache.CmdGet || m.Mute != memcache.MuteNone {
		s.Out.B = append(b.Close(s.Out.B), frame...)
		return
	}
	s.Out.B = b.Add(s.Out.B, key)
	m.Batched = true
}

// TakeOut is core.Sock.TakeOut for a dialled connection: an open get line
// is ended first. Callers hold mu.
func (s *Conn) TakeOut() *bytebufferpool.ByteBuffer {
	if s.mc.batch.Open() {
		s.closeGetBatch()
	}
	return s.Sock.TakeOut()
}

// closeGetBatch ends the open get line (s.mu held, s.out not nil).
func (s *Conn) closeGetBatch() {
	s.Out.B = s.mc.batch.Close(s.Out.B)
}

// resetGetBatch forgets the batches of a closed connection.
func (s *Conn) ResetGetBatch() {
	s.mc.batch.Reset()
}

// scanBatched frames the reply of the FIFO head, a batched get, at the
// front of buf (s.mu held). It returns the reply for the client and the
// bytes it consumed (0 for a miss that is not the last of its line).
func (s *Conn) scanBatched(buf []byte) ([]byte, int, error) {
	reply, n, err := s.mc.batch.Next(buf)
	if err == memcache.ErrIncomplete {
		return nil, 0, errNeedMore
	}
	return reply, n, err
}
