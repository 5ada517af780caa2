package outbound

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/bytebufferpool"

	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/replica"
)

// The first dial of a Lazy link (preconnect: false), as C queues requests
// on a peer connection that is still connecting:
//
//	first use (a request or a gossip round) ──▶ dial starts, holding on
//	request while holding ──▶ frame copied, held (at most firstHoldMax)
//	dial succeeds ──▶ held requests queued on the new connection, in order
//	dial fails, or the request timeout passes, or Stop ──▶ held requests
//	    answered PeerNotConnected; later requests see the link down as usual
//
// Holding happens once per link: reconnects after a loss do not hold.

// firstHoldMax bounds the requests held for one link's first dial; past
// it a request finds the link down.
const firstHoldMax = 4096

// firstDial is the holding state of a Lazy link.
type firstDial struct {
	holding atomic.Bool // set under mu; read without it by hold's fast path
	mu      sync.Mutex
	timer   *time.Timer
	held    []heldReq
}

type heldReq struct {
	frame *bytebufferpool.ByteBuffer
	m     *msg.Msg
}

// firstUse starts the first dial of a Lazy link, once, and holds the
// requests that come before it completes.
func (lk *Link) firstUse() {
	if !lk.Lazy.Load() {
		return
	}
	lk.first.mu.Lock()
	if !lk.Lazy.CompareAndSwap(true, false) {
		lk.first.mu.Unlock()
		return
	}
	lk.first.holding.Store(true)
	if t := lk.env.RequestTimeout(); t > 0 {
		lk.first.timer = time.AfterFunc(t, lk.failHeld)
	}
	lk.first.mu.Unlock()
	go lk.Reconnect()
}

// hold keeps a copy of frame and m for the first connection of the link;
// false when the link is not in its first dial or holds too many.
func (lk *Link) hold(frame []byte, m *msg.Msg) bool {
	lk.firstUse()
	if !lk.first.holding.Load() {
		return false
	}
	lk.first.mu.Lock()
	defer lk.first.mu.Unlock()
	if !lk.first.holding.Load() || len(lk.first.held) >= firstHoldMax {
		return false
	}
	b := lk.env.Core.Bufs.Get()
	b.B = append(b.B, frame...)
	lk.first.held = append(lk.first.held, heldReq{frame: b, m: m})
	return true
}

// takeHeld ends holding and returns what was held.
func (lk *Link) takeHeld() []heldReq {
	lk.first.mu.Lock()
	defer lk.first.mu.Unlock()
	held := lk.first.held
	lk.first.held = nil
	lk.first.holding.Store(false)
	if lk.first.timer != nil {
		lk.first.timer.Stop()
		lk.first.timer = nil
	}
	return held
}

// sendHeld queues the held requests on s, the link's first connection,
// and writes them. Called by Connect once s is installed.
func (lk *Link) sendHeld(s *Conn) {
	held := lk.takeHeld()
	if len(held) == 0 {
		return
	}
	var b batch.Batch
	write := false
	for _, h := range held {
		ok, inline := s.enqueue(h.frame.B, h.m)
		lk.env.Core.Bufs.Put(h.frame)
		if !ok {
			h.m.Owner.Answer(h.m, nil, replica.PeerNotConnected, &b)
		}
		write = write || inline
	}
	if write {
		s.WriteQueued(0)
	}
	b.Run()
}

// failHeld answers the held requests PeerNotConnected: the first dial
// failed, took longer than the request timeout, or the link stopped.
func (lk *Link) failHeld() {
	held := lk.takeHeld()
	if len(held) == 0 {
		return
	}
	var b batch.Batch
	for _, h := range held {
		lk.env.Core.Bufs.Put(h.frame)
		h.m.Owner.Answer(h.m, nil, replica.PeerNotConnected, &b)
	}
	b.Run()
}
