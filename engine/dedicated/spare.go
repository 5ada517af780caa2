package dedicated

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/outbound"
)

// Spare connections: a few dedicated connections to the local datastore
// dialled ahead of need, so that a session opened on a client with no
// request outstanding takes one at once and its first command leaves in
// the same input batch as the client's request. Without them the command
// would wait for a dial, and a later command of another client on a
// shared connection could reach the datastore first (a DEL overtaking the
// BLPOP or XREADGROUP BLOCK that Redis would have served before it).
//
// A keeper goroutine, started by Start when Limits.Spares > 0, dials until
// Limits.Spares are ready, is woken when one is taken or lost, backs off
// while the datastore refuses, and closes every spare once the node
// shuts down (outbound.Env.Closing). A spare is an outbound dedicated
// connection whose callbacks go to the session that takes it; before
// that, bytes from the datastore or a close make it useless and it is
// dropped.

// keeperTick is the wait after a failed dial; it doubles with each failure
// in a row, up to keeperBackoff.
const keeperTick = 20 * time.Millisecond

// keeperBackoff bounds the wait between failed dials.
const keeperBackoff = time.Second

// spare is one pre-dialled connection.
type spare struct {
	conn  *outbound.Conn
	owner atomic.Pointer[Session] // set once taken
	dead  atomic.Bool             // closed or spoiled before taken
}

// spares is an Env's pool.
type spares struct {
	mu    sync.Mutex
	ready []*spare
	wake  chan struct{}
	done  chan struct{} // closed when the keeper has returned
}

// Spares is the number of spare connections ready.
func (e *Env) Spares() int {
	e.pool.mu.Lock()
	n := len(e.pool.ready)
	e.pool.mu.Unlock()
	return n
}

// startKeeper starts the keeper when spares are wanted. Called by Start.
func (e *Env) startKeeper() {
	if e.Limits.Spares <= 0 || e.Out == nil {
		return
	}
	e.pool.wake = make(chan struct{}, 1)
	e.pool.done = make(chan struct{})
	go func() {
		defer close(e.pool.done)
		e.keep()
	}()
}

// Stop waits for the keeper to close the spares and return; the caller
// has set outbound.Env.Closing. After Stop no spare is dialled, so the
// outbound Env's WaitGroup may be waited on. Safe without a keeper.
func (e *Env) Stop() {
	if e.pool.done == nil {
		return
	}
	e.nudge()
	<-e.pool.done
}

// nudge wakes the keeper without blocking.
func (e *Env) nudge() {
	if e.pool.wake == nil {
		return
	}
	select {
	case e.pool.wake <- struct{}{}:
	default:
	}
}

// keep is the keeper's loop; it returns once the node shuts down, having
// closed every spare. Between dials it sleeps until nudged (a spare taken
// or lost, Stop), or after a failed dial until its back-off passes: an
// idle node's keeper wakes nobody.
func (e *Env) keep() {
	fails := 0
	var retry time.Time
	backoff := time.NewTimer(time.Hour)
	backoff.Stop()
	defer backoff.Stop()
	for {
		if e.Out.Closing.Load() {
			e.closeSpares()
			return
		}
		var wait <-chan time.Time
		if e.Spares() < e.Limits.Spares {
			d := time.Until(retry)
			if d <= 0 {
				if e.dialSpare() {
					fails = 0
					continue
				}
				fails++
				d = min(keeperTick<<min(fails, 10), keeperBackoff)
				retry = time.Now().Add(d)
			}
			backoff.Reset(d)
			wait = backoff.C
		}
		select {
		case <-e.pool.wake:
		case <-wait:
		}
		backoff.Stop()
	}
}

// dialSpare dials one spare and adds it to the pool; false on a failed
// dial.
func (e *Env) dialSpare() bool {
	sp := &spare{}
	tunnel := func(b []byte, bt *batch.Batch) {
		if s := sp.owner.Load(); s != nil {
			s.tunnel(b, bt)
			return
		}
		// The datastore spoke unasked: the connection is not clean.
		e.drop(sp)
	}
	closed := func() {
		if s := sp.owner.Load(); s != nil {
			s.lost()
			return
		}
		e.drop(sp)
	}
	conn, err := e.Out.DialDedicated(e.Network, e.Addr, tunnel, closed)
	if err != nil {
		if e.Log != nil && !e.Out.Closing.Load() {
			e.Log.Debug("cannot dial a spare datastore connection", "server", e.Addr, "err", err)
		}
		return false
	}
	e.pool.mu.Lock()
	sp.conn = conn
	if sp.dead.Load() || len(e.pool.ready) >= e.Limits.Spares {
		e.pool.mu.Unlock()
		conn.CloseLater()
		return true
	}
	e.pool.ready = append(e.pool.ready, sp)
	e.pool.mu.Unlock()
	return true
}

// drop removes sp, not taken, from the pool and closes it.
func (e *Env) drop(sp *spare) {
	e.pool.mu.Lock()
	if sp.owner.Load() != nil {
		e.pool.mu.Unlock()
		return
	}
	sp.dead.Store(true)
	for i, r := range e.pool.ready {
		if r == sp {
			e.pool.ready = append(e.pool.ready[:i], e.pool.ready[i+1:]...)
			break
		}
	}
	conn := sp.conn
	e.pool.mu.Unlock()
	if conn != nil {
		conn.CloseLater()
	}
	e.nudge()
}

// closeSpares closes every spare. Called by the keeper at shutdown.
func (e *Env) closeSpares() {
	e.pool.mu.Lock()
	ready := e.pool.ready
	e.pool.ready = nil
	for _, sp := range ready {
		sp.dead.Store(true)
	}
	e.pool.mu.Unlock()
	for _, sp := range ready {
		sp.conn.CloseLater()
	}
}

// takeSpare hands a ready spare to s: from now on its bytes and its close
// go to s. Nil when none is ready or the node shuts down.
func (e *Env) takeSpare(s *Session) *outbound.Conn {
	if e.pool.wake == nil || e.Out.Closing.Load() {
		return nil
	}
	e.pool.mu.Lock()
	var sp *spare
	for len(e.pool.ready) > 0 {
		last := len(e.pool.ready) - 1
		sp = e.pool.ready[last]
		e.pool.ready[last] = nil
		e.pool.ready = e.pool.ready[:last]
		sp.conn.Mu.Lock()
		closed := sp.conn.Closed
		sp.conn.Mu.Unlock()
		if !closed {
			sp.owner.Store(s)
			break
		}
		sp.dead.Store(true)
		sp = nil
	}
	e.pool.mu.Unlock()
	e.nudge()
	if sp == nil {
		return nil
	}
	return sp.conn
}
