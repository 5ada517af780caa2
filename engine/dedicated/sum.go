package dedicated

import (
	"strconv"
	"sync"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/replica"
)

// Replier is the client a Sum answers (an inbound.Conn).
type Replier interface {
	Reply(m *msg.Msg, reply []byte, b *batch.Batch)
}

// Sum answers a request sent to several nodes (PUBLISH to every node of
// the datacenter) with the sum of their integer replies; a node that
// fails or answers something else counts 0. It is the msg.Owner of the
// copies; Add before queueing each, Launched once all are queued.
type Sum struct {
	mu    sync.Mutex
	to    Replier
	m     *msg.Msg
	refs  int
	total int64
}

// NewSum returns the Sum answering m, a request of to.
func NewSum(to Replier, m *msg.Msg) *Sum { return &Sum{to: to, m: m, refs: 1} }

// Add counts one more copy about to be queued.
func (s *Sum) Add() {
	s.mu.Lock()
	s.refs++
	s.mu.Unlock()
}

// Drop uncounts a copy that could not be queued.
func (s *Sum) Drop(b *batch.Batch) { s.done(0, b) }

// Launched drops the launch's own count once every copy is queued.
func (s *Sum) Launched(b *batch.Batch) { s.done(0, b) }

// Answer (msg.Owner) adds the reply of copy cm.
func (s *Sum) Answer(cm *msg.Msg, reply []byte, code replica.Code, b *batch.Batch) {
	cm.Release()
	var n int64
	if code == replica.NoError && len(reply) > 3 && reply[0] == ':' {
		n, _ = strconv.ParseInt(string(reply[1:len(reply)-2]), 10, 64)
	}
	s.done(n, b)
}

func (s *Sum) done(n int64, b *batch.Batch) {
	s.mu.Lock()
	s.total += n
	s.refs--
	last := s.refs == 0
	s.mu.Unlock()
	if last {
		var buf [24]byte
		s.to.Reply(s.m, resp.AppendInt(buf[:0], s.total), b)
	}
}

// Discard is the msg.Owner of a write whose reply nobody waits for (a
// replicated pop or transaction).
type Discard struct{}

// Answer (msg.Owner) releases the copy.
func (Discard) Answer(cm *msg.Msg, _ []byte, _ replica.Code, _ *batch.Batch) { cm.Release() }
