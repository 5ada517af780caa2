package engine

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/sock"
)

// link is one of the datastore_connections connections to the datastore.
// It holds the current server conn (nil while down) and reconnects with
// back-off: 1 s, then doubling, capped at server_retry_timeout (docs/compat.md §9.2);
// a success resets the back-off. Dials run on timer goroutines, never on a
// poller. Clients are pinned to a link for their whole life, so FIFO reply
// matching keeps each client's order.
type link struct {
	node    *Node
	idx     int
	network string
	addr    string
	peer    *peer // nil for the datastore; else a peer connection (peer.go)
	cur     atomic.Pointer[dialled]

	mu      sync.Mutex
	backoff time.Duration
	retry   *time.Timer
	stopped bool
	down    bool // a loss was logged; the next success logs recovery
}

var errStopped = errors.New("engine: node shut down")

// enqueue queues a request on the link's connection; false when it is down
// or refuses the request (closed, a peer connection full), which counts as
// a forwarding error. When the connection was idle, b writes it at its end.
func (lk *link) enqueue(frame []byte, m *msg.Msg, b *batch.Batch) bool {
	ok, inline := false, false
	if s := lk.cur.Load(); s != nil {
		ok, inline = s.enqueue(frame, m)
		if inline {
			b.Write(s)
		}
	}
	if !ok {
		lk.statsForwardError(m)
	}
	return ok
}

// connect dials the datastore and installs the connection.
func (lk *link) connect() error {
	nc, err := sock.Dial(lk.network, lk.addr, lk.node.dialTimeout)
	if err != nil {
		return err
	}
	s := newServerConn(lk, nc)
	_ = nc.SetOnRequest(func(_ context.Context, nc netpoll.Connection) error {
		r := nc.Reader()
		b, _ := r.Next(r.Len())
		s.kind.onInput(s, b)
		err := r.Release()
		s.Spin()
		return err
	})
	_ = nc.AddCloseCallback(func(netpoll.Connection) error {
		s.onServerClose()
		return nil
	})
	lk.mu.Lock()
	if lk.stopped {
		lk.mu.Unlock()
		nc.Close()
		return errStopped
	}
	lk.cur.Store(s)
	lk.backoff = 0
	recovered := lk.down
	lk.down = false
	lk.mu.Unlock()
	lk.node.wg.Add(1)
	go s.writeLoop()
	if lk.peer != nil {
		lk.peer.connected(lk.node)
	}
	if recovered {
		lk.node.log.Info(lk.what()+" connection restored", "server", lk.addr, "conn", lk.idx)
	}
	if !nc.IsActive() {
		s.onServerClose() // closed before the callback was in place
	}
	return nil
}

// lost is called by a closed server conn.
func (lk *link) lost(s *dialled) {
	lk.cur.CompareAndSwap(s, nil)
	if lk.peer != nil {
		lk.peer.connected(lk.node)
	}
	lk.mu.Lock()
	first := !lk.down && !lk.stopped
	lk.down = true
	lk.mu.Unlock()
	if first {
		lk.node.log.Warn(lk.what()+" connection lost", "server", lk.addr, "conn", lk.idx)
	}
	lk.scheduleReconnect()
}

// scheduleReconnect arms the next dial unless one is armed or the node stops.
func (lk *link) scheduleReconnect() {
	lk.mu.Lock()
	defer lk.mu.Unlock()
	if lk.stopped || lk.retry != nil {
		return
	}
	d := nextBackoff(lk.backoff, lk.retryCap())
	lk.backoff = d
	lk.retry = time.AfterFunc(d, lk.reconnect)
}

// nextBackoff is the delay before the next dial after prev (0 after a
// success): 1 s, then doubling, never above max when max > 0.
func nextBackoff(prev, max time.Duration) time.Duration {
	d := 2 * prev
	if d == 0 {
		d = time.Second
	}
	if max > 0 && d > max {
		d = max
	}
	return d
}

func (lk *link) reconnect() {
	lk.mu.Lock()
	lk.retry = nil
	stopped := lk.stopped
	lk.mu.Unlock()
	if stopped {
		return
	}
	if err := lk.connect(); err != nil {
		if !errors.Is(err, errStopped) {
			lk.mu.Lock()
			lk.down = true
			lk.mu.Unlock()
			lk.node.log.Debug(lk.what()+" reconnect failed", "server", lk.addr, "conn", lk.idx, "err", err)
			lk.scheduleReconnect()
		}
	}
}

// stop ends reconnecting and closes the connection.
func (lk *link) stop() {
	lk.mu.Lock()
	lk.stopped = true
	if lk.retry != nil {
		lk.retry.Stop()
		lk.retry = nil
	}
	lk.mu.Unlock()
	if s := lk.cur.Load(); s != nil {
		s.CloseLater()
	}
}
