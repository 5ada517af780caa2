package route

import (
	"time"

	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/replica"
)

// conn_msg_rate (docs/compat.md §9.6): each remote-DC peer has a
// membership.Throttle of that many requests per second. A copy toward it
// that finds no token waits in the Throttle's bounded queue (a timer sends
// it when its token is due, holding a reference on the fanout); one that
// would overflow the queue fails at once with PeerThrottled, which fails
// over, is dropped or is answered as any failed copy. Peers of this
// node's DC have no Throttle and cost one nil check.

// Verdicts of fanout.throttle.
const (
	throttleGo      = iota // send now
	throttleWait           // a timer sends it later
	throttleRefused        // the queue is full
)

// throttle applies the conn_msg_rate of target i's peer to its copy of
// frame. It does not allocate unless the copy has to wait. Callers hold
// f.mu.
func (f *fanout) throttle(i int, tg replica.Target, frame []byte) int {
	if tg.Node < 0 || tg.Node >= len(f.topo.Peers) {
		return throttleGo
	}
	p := f.topo.Peers[tg.Node]
	if p == nil || p.Throttle == nil {
		return throttleGo
	}
	if f.admitted == int32(i)+1 {
		f.admitted = 0
		return throttleGo
	}
	d, err := p.Throttle.Admit(time.Now())
	switch {
	case err != nil:
		return throttleRefused
	case d <= 0:
		return throttleGo
	}
	later := append([]byte(nil), frame...)
	f.refs++
	time.AfterFunc(d, func() { f.sendLater(i, later) })
	return throttleWait
}

// sendLater sends copy i, whose token is now due, and drops the
// reference throttle took.
func (f *fanout) sendLater(i int, frame []byte) {
	var b batch.Batch
	b.Now = f.node.Core.Clock()
	f.mu.Lock()
	f.refs--
	f.admitted = int32(i) + 1
	f.send(i, frame, &b)
	f.admitted = 0
	done := f.refs == 0
	f.mu.Unlock()
	b.Run()
	if done {
		f.release()
	}
}
