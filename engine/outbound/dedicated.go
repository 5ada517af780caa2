package outbound

import (
	"context"
	"time"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/replica"
)

// A dedicated connection is a datastore connection owned by one client
// (blocking commands, pub/sub, transactions; docs/engine.md). It is the
// dialled type used a third way: no FIFO of msgs, no reconnect. What the
// client sends is appended as is (Send) and written by the same writer
// states as a shared connection's requests; every byte read is handed to
// the owner's tunnel function as it comes, pushed messages included. Its
// link is its own, stopped from the start, so a close is final: the
// owner learns of it through closed.

// DialDedicated dials a dedicated connection to the datastore at addr on
// network. tunnel gets the bytes read, on the connection's poller, with
// the read's batch (run after tunnel returns); closed runs once after the
// connection closed, for whatever reason. The dial blocks: callers run it
// off the pollers.
func (e *Env) DialDedicated(network, addr string, tunnel func(b []byte, bt *batch.Batch), closed func()) (*Conn, error) {
	lk := &Link{env: e, network: network, Addr: addr, stopped: true, down: true}
	nc, err := lk.dial() // TLS and AUTH as the datastore links have them
	if err != nil {
		return nil, err
	}
	return e.installDedicated(lk, nc, tunnel, closed), nil
}

// installDedicated makes nc, set up and dialled for lk (a stopped link of
// its own), a dedicated conn: see DialDedicated.
func (e *Env) installDedicated(lk *Link, nc netpoll.Connection, tunnel func(b []byte, bt *batch.Batch), closed func()) *Conn {
	k := &Kind{Name: "dedicated", FailCode: replica.StorageRefused}
	k.OnInput = func(s *Conn, b []byte) {
		tunnel(b, &s.B)
		s.B.Run()
	}
	s := newConn(e, k, nc)
	s.link = lk
	s.wake = make(chan struct{}, 1)
	s.done = make(chan struct{})
	s.timer = time.AfterFunc(time.Hour, s.onTimer)
	s.timer.Stop()
	s.statsOpen()
	lk.Connected = func() {
		if lk.Cur.Load() == nil {
			closed()
		}
	}
	_ = nc.SetOnRequest(func(_ context.Context, nc netpoll.Connection) error {
		r := nc.Reader()
		b, _ := r.Next(r.Len())
		s.kind.OnInput(s, b)
		return r.Release()
	})
	_ = nc.AddCloseCallback(func(netpoll.Connection) error {
		s.OnClose()
		return nil
	})
	lk.Cur.Store(s)
	e.WG.Add(1)
	go s.writeLoop()
	if !nc.IsActive() {
		s.OnClose()
	}
	return s
}

// Send appends frame to what a dedicated connection writes. With b, the
// caller's batch writes an idle connection at its end; without, Send
// writes it at once. It reports false when the connection is closed or
// its unwritten bytes would pass max.
func (s *Conn) Send(frame []byte, max int, b *batch.Batch) bool {
	s.Mu.Lock()
	if s.Closed || s.Unsent()+len(frame) > max {
		s.Mu.Unlock()
		return false
	}
	if s.Out == nil {
		s.Out, s.spare = s.spare, nil
		if s.Out == nil {
			s.Out = s.env.Core.Bufs.Get()
		}
	}
	s.Out.B = append(s.Out.B, frame...)
	inline := s.writer == WriterIdle
	if inline {
		s.writer = writerInline
	}
	s.Mu.Unlock()
	if inline {
		if b != nil {
			b.Write(s)
		} else {
			s.WriteQueued(0)
		}
	}
	return true
}
