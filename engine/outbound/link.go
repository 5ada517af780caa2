package outbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/secure"
)

// Link is one connection to the datastore (one of datastore_connections)
// or to a peer. It holds the current server conn (nil while down) and reconnects with
// back-off: 1 s, then doubling, capped at server_retry_timeout (docs/compat.md §9.2);
// a success resets the back-off. Dials run on timer goroutines, never on a
// poller. Clients are pinned to a link for their whole life, so FIFO reply
// matching keeps each client's order.
type Link struct {
	env     *Env
	Idx     int
	network string
	Addr    string
	Cur     atomic.Pointer[Conn] // the current connection; nil while down

	// Peer: the link is to a peer, not to the datastore; SameDC: the
	// peer is in this node's DC (its dnode headers say so, its requests
	// get the same-DC timeout). Set before the first Connect.
	Peer, SameDC bool
	// Secure: the link to a peer is encrypted, Dynomite's way (the node
	// decides with secure.Secures). Set before the first Connect.
	Secure bool
	// Connected, when set, is called after the link's connection came up
	// or went down (the node's peer state).
	Connected func()
	// DialFailed, when set, is called after a dial of the link failed
	// (the node's failure detector).
	DialFailed func()
	// Lazy: the link has not dialled yet and dials on its first Enqueue
	// (preconnect: false); requests that come before that dial completes
	// wait for it, up to the request timeout (first.go). Cleared by that
	// first use.
	Lazy  atomic.Bool
	first firstDial
	// RESP3: a datastore link whose connection speaks RESP3 (HELLO 3 after
	// AUTH), for the replies of RESP3 clients. A datastore that refuses
	// HELLO stops the link: its clients keep converted RESP2 replies.
	RESP3 bool

	mu      sync.Mutex
	backoff time.Duration
	retry   *time.Timer
	stopped bool
	down    bool // a loss was logged; the next success logs recovery
}

// enqueue queues a request on the link's connection; false when it is down
// or refuses the request (closed, a peer connection full), which counts as
// a forwarding error. When the connection was idle, b writes it at its end.
func (lk *Link) Enqueue(frame []byte, m *msg.Msg, b *batch.Batch) bool {
	ok, inline := false, false
	s := lk.Cur.Load()
	if s == nil && lk.Peer {
		if lk.hold(frame, m) { // first dial under way (first.go)
			return true
		}
		s = lk.Cur.Load() // the first dial may have just completed
	}
	if s != nil {
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

// Connect dials the link's far end, sets the connection up (dial.go: TLS,
// AUTH) and installs it. A peer link with peer_tls gets its TLS layer
// here: the input decrypted in OnRequest, the output sealed by its
// writers (Sealer).
func (lk *Link) Connect() error {
	var (
		nc  netpoll.Connection
		tl  *secure.Polled
		err error
	)
	if lk.Peer && lk.env.PeerTLS != nil {
		nc, tl, err = lk.dialPeerTLS()
	} else {
		nc, err = lk.dial()
	}
	if err != nil {
		return err
	}
	s := NewConn(lk, nc)
	if lk.Peer && lk.Secure {
		sess, err := secure.NewOutgoing(lk.env.PeerKey, lk.env.Chunk)
		if err != nil {
			nc.Close()
			return fmt.Errorf("cannot secure the link to peer %s: %w", lk.Addr, err)
		}
		s.sess = sess
	}
	if tl != nil {
		s.Sealer = tl
		_ = nc.SetOnRequest(s.tlsOnRequest(tl))
	} else {
		_ = nc.SetOnRequest(func(_ context.Context, nc netpoll.Connection) error {
			r := nc.Reader()
			b, _ := r.Next(r.Len())
			s.kind.OnInput(s, b)
			err := r.Release()
			s.AfterCallback(true)
			return err
		})
	}
	_ = nc.AddCloseCallback(func(netpoll.Connection) error {
		s.OnClose()
		return nil
	})
	lk.mu.Lock()
	if lk.stopped {
		lk.mu.Unlock()
		nc.Close()
		return errStopped
	}
	lk.Cur.Store(s)
	lk.backoff = 0
	recovered := lk.down
	lk.down = false
	lk.mu.Unlock()
	lk.env.WG.Add(1)
	go s.writeLoop()
	lk.sendHeld(s)
	if lk.Connected != nil {
		lk.Connected()
	}
	if recovered {
		lk.env.Log.Info(lk.What()+" connection restored", "server", lk.Addr, "conn", lk.Idx)
	}
	if !nc.IsActive() {
		s.OnClose() // closed before the callback was in place
	}
	return nil
}

// lost is called by a closed server conn.
func (lk *Link) lost(s *Conn) {
	lk.Cur.CompareAndSwap(s, nil)
	if lk.Connected != nil {
		lk.Connected()
	}
	lk.mu.Lock()
	first := !lk.down && !lk.stopped
	lk.down = true
	lk.mu.Unlock()
	if first {
		lk.env.Log.Warn(lk.What()+" connection lost", "server", lk.Addr, "conn", lk.Idx)
	}
	lk.ScheduleReconnect()
}

// scheduleReconnect arms the next dial unless one is armed or the node stops.
func (lk *Link) ScheduleReconnect() {
	lk.mu.Lock()
	defer lk.mu.Unlock()
	if lk.stopped || lk.retry != nil {
		return
	}
	d := nextBackoff(lk.backoff, lk.retryCap())
	lk.backoff = d
	lk.retry = time.AfterFunc(d, lk.Reconnect)
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

func (lk *Link) Reconnect() {
	lk.mu.Lock()
	lk.retry = nil
	stopped := lk.stopped
	lk.mu.Unlock()
	if stopped {
		return
	}
	if err := lk.Connect(); err != nil {
		if errors.Is(err, errHelloRefused) {
			lk.env.Log.Warn("datastore does not speak RESP3: RESP3 clients get converted replies", "server", lk.Addr, "err", err)
			lk.Stop()
			return
		}
		if !errors.Is(err, errStopped) {
			lk.mu.Lock()
			lk.down = true
			lk.mu.Unlock()
			if errors.Is(err, errAuthReply) {
				// Not a datastore that is down: one that refuses us.
				lk.env.Log.Warn(lk.What()+" reconnect failed", "server", lk.Addr, "conn", lk.Idx, "err", err)
			} else {
				lk.env.Log.Debug(lk.What()+" reconnect failed", "server", lk.Addr, "conn", lk.Idx, "err", err)
			}
			if lk.DialFailed != nil {
				lk.DialFailed()
			}
			lk.ScheduleReconnect()
		}
		lk.failHeld()
	}
}

// StartLazy starts the first dial of a Lazy link, once, without waiting
// for it.
func (lk *Link) StartLazy() { lk.firstUse() }

// stop ends reconnecting and closes the connection.
func (lk *Link) Stop() {
	lk.mu.Lock()
	lk.stopped = true
	if lk.retry != nil {
		lk.retry.Stop()
		lk.retry = nil
	}
	lk.mu.Unlock()
	lk.failHeld()
	if s := lk.Cur.Load(); s != nil {
		s.CloseLater()
	}
}

// Start dials the link's connection; a failure is logged and retried with
// back-off.
func (lk *Link) Start() {
	if err := lk.Connect(); err != nil {
		lk.env.Log.Warn("cannot connect to "+lk.What()+"; retrying", "server", lk.Addr, "conn", lk.Idx, "err", err)
		if lk.DialFailed != nil {
			lk.DialFailed()
		}
		lk.mu.Lock()
		lk.down = true
		lk.mu.Unlock()
		lk.ScheduleReconnect()
	}
}

// tlsKeepPlain bounds the capacity of the plaintext of one read a TLS
// peer link keeps for the next.
const tlsKeepPlain = 256 << 10

// tlsOnRequest is the OnRequest of a peer link with peer_tls: what netpoll
// read is decrypted, record by record, and the plaintext of the whole read
// handed to the link's reply path at once (one pass, one flush, as a
// plain link's read). A close_notify or a bad stream closes the
// connection. netpoll serializes the calls.
func (s *Conn) tlsOnRequest(p *secure.Polled) netpoll.OnRequest {
	buf := make([]byte, secure.BufferSize)
	var plain []byte
	sink := func(b []byte) { plain = append(plain, b...) }
	return func(_ context.Context, nc netpoll.Connection) error {
		r := nc.Reader()
		b, _ := r.Next(r.Len())
		err := p.Decrypt(b, buf, sink)
		rerr := r.Release()
		if len(plain) > 0 {
			s.kind.OnInput(s, plain)
		}
		if cap(plain) > tlsKeepPlain {
			plain = nil
		} else {
			plain = plain[:0]
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.env.Log.Info("closing TLS peer link: bad record", "server", s.link.Addr, "err", err)
			}
			s.FailLater()
		}
		s.AfterCallback(true)
		return rerr
	}
}
