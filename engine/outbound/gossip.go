package outbound

import "github.com/dynomite-go/dynomite/codec/dnode"

// SendGossip queues one GOSSIP_SYN frame carrying payload on the link's
// connection, with msg id id (the sender's gossip counter). The frame
// expects no reply: nothing joins the FIFO and no timer is armed. It never
// blocks on the network: an idle connection wakes its writer goroutine,
// a busy one sends the frame with what is queued. It reports false (the
// frame is dropped) when the link is down, closed or its queue is full.
// On a secured link the payload is encrypted like a request's.
func (lk *Link) SendGossip(id uint64, payload []byte) bool {
	s := lk.Cur.Load()
	if s == nil {
		lk.firstUse()
		return false
	}
	if !s.kind.Peer {
		return false
	}
	s.Mu.Lock()
	if s.Closed || s.peerFull() {
		s.Mu.Unlock()
		return false
	}
	if s.Out == nil {
		s.Out, s.spare = s.spare, nil
		if s.Out == nil {
			s.Out = s.env.Core.Bufs.Get()
		}
	}
	h := dnode.Gossip(id, lk.SameDC, uint32(len(payload)))
	if s.sess != nil {
		s.Out.B = s.sess.Seal(s.Out.B, h, payload)
	} else {
		s.Out.B = dnode.AppendHeader(s.Out.B, h)
		s.Out.B = append(s.Out.B, payload...)
	}
	wake := s.writer == WriterIdle
	if wake {
		s.writer = writerAsync
	}
	s.Mu.Unlock()
	if wake {
		s.wakeWriter()
	}
	return true
}
