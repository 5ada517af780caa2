package engine

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudwego/netpoll"
)

// slot is one of the datastore_connections connections to the datastore.
// It holds the current server conn (nil while down) and reconnects with
// back-off: 1 s, then doubling, capped at server_retry_timeout (docs/compat.md §9.2);
// a success resets the back-off. Dials run on timer goroutines, never on a
// poller. Clients are pinned to a slot for their whole life, so FIFO reply
// matching keeps each client's order.
type slot struct {
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

// enqueue queues a request on the slot's connection; false when it is down
// or refuses the request (closed, a peer connection full), which counts as
// a forwarding error. When the connection was idle, b writes it at its end.
func (sl *slot) enqueue(frame []byte, m *msg, b *batch) bool {
	ok, inline := false, false
	if s := sl.cur.Load(); s != nil {
		ok, inline = s.enqueue(frame, m)
		if inline {
			b.write(s)
		}
	}
	if !ok {
		sl.statsForwardError(m)
	}
	return ok
}

// connect dials the datastore and installs the connection.
func (sl *slot) connect() error {
	nc, err := dialConnected(sl.network, sl.addr, sl.node.dialTimeout)
	if err != nil {
		return err
	}
	s := newServerConn(sl, nc)
	_ = nc.SetOnRequest(func(_ context.Context, nc netpoll.Connection) error {
		r := nc.Reader()
		b, _ := r.Next(r.Len())
		s.kind.onInput(s, b)
		err := r.Release()
		s.spin()
		return err
	})
	_ = nc.AddCloseCallback(func(netpoll.Connection) error {
		s.onServerClose()
		return nil
	})
	sl.mu.Lock()
	if sl.stopped {
		sl.mu.Unlock()
		nc.Close()
		return errStopped
	}
	sl.cur.Store(s)
	sl.backoff = 0
	recovered := sl.down
	sl.down = false
	sl.mu.Unlock()
	sl.node.wg.Add(1)
	go s.writeLoop()
	if sl.peer != nil {
		sl.peer.connected(sl.node)
	}
	if recovered {
		sl.node.log.Info(sl.what()+" connection restored", "server", sl.addr, "conn", sl.idx)
	}
	if !nc.IsActive() {
		s.onServerClose() // closed before the callback was in place
	}
	return nil
}

// lost is called by a closed server conn.
func (sl *slot) lost(s *dialled) {
	sl.cur.CompareAndSwap(s, nil)
	if sl.peer != nil {
		sl.peer.connected(sl.node)
	}
	sl.mu.Lock()
	first := !sl.down && !sl.stopped
	sl.down = true
	sl.mu.Unlock()
	if first {
		sl.node.log.Warn(sl.what()+" connection lost", "server", sl.addr, "conn", sl.idx)
	}
	sl.scheduleReconnect()
}

// scheduleReconnect arms the next dial unless one is armed or the node stops.
func (sl *slot) scheduleReconnect() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.stopped || sl.retry != nil {
		return
	}
	d := nextBackoff(sl.backoff, sl.retryCap())
	sl.backoff = d
	sl.retry = time.AfterFunc(d, sl.reconnect)
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

func (sl *slot) reconnect() {
	sl.mu.Lock()
	sl.retry = nil
	stopped := sl.stopped
	sl.mu.Unlock()
	if stopped {
		return
	}
	if err := sl.connect(); err != nil {
		if !errors.Is(err, errStopped) {
			sl.mu.Lock()
			sl.down = true
			sl.mu.Unlock()
			sl.node.log.Debug(sl.what()+" reconnect failed", "server", sl.addr, "conn", sl.idx, "err", err)
			sl.scheduleReconnect()
		}
	}
}

// stop ends reconnecting and closes the connection.
func (sl *slot) stop() {
	sl.mu.Lock()
	sl.stopped = true
	if sl.retry != nil {
		sl.retry.Stop()
		sl.retry = nil
	}
	sl.mu.Unlock()
	if s := sl.cur.Load(); s != nil {
		s.closeLater()
	}
}
