package converge

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/cluster"
	"github.com/dynomite-go/dynomite/engine/hints/replay"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/replica"
)

// The replay of one peer's hints (hints_node.go): a goroutine that reads
// each hinted key's value on the local datastore with a blocking
// replay.Conn and sends the copy to the peer on the peer's own link, as a
// copy of a routed write is sent. It ends when the peer has no hints left,
// when its link goes down, after hintFailStop failed batches in a row, or
// when the node stops; the pump starts it again when needed.

var errReplayStopped = errors.New("the node is stopping")

// replayHints copies p's hinted keys to p until none is left.
func (n *Convergence) replayHints(p *cluster.Peer) {
	c := n
	defer func() {
		c.mu.Lock()
		delete(c.running, p.Addr)
		c.mu.Unlock()
		c.wg.Done()
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-c.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	src, err := replay.Dial(n.Cfg.Pool.Servers[0].Addr.String(), n.DialTimeout)
	if err != nil {
		n.Log.Warn("cannot replay hints: local datastore unreachable", "peer", p.Addr, "err", err)
		return
	}
	defer src.Close()
	rp := &hintReplayer{node: n, peer: p, src: src}
	fails := 0
	for ctx.Err() == nil && p.Up() {
		keys := c.hints.Pending(p.Addr, hintBatch)
		if len(keys) == 0 {
			return
		}
		if err := c.lim.WaitN(ctx, len(keys)); err != nil {
			c.hints.Release(p.Addr)
			return
		}
		done, err := rp.batch(ctx, keys)
		for _, k := range keys[:done] {
			c.hints.Done(p.Addr, k)
		}
		c.sent.Add(int64(done))
		if err == nil {
			fails = 0
			continue
		}
		c.hints.Release(p.Addr)
		c.failed.Add(1)
		if fails++; fails >= hintFailStop || errors.Is(err, errReplayStopped) {
			n.Log.Warn("hint replay paused", "peer", p.Addr, "err", err)
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(hintBackoff):
		}
	}
	c.hints.Release(p.Addr)
	if err := c.hints.Flush(); err != nil {
		n.Log.Warn("cannot write the hints", "err", err)
	}
}

// hintReplayer is the state of one replayHints goroutine.
type hintReplayer struct {
	node *Convergence
	peer *cluster.Peer
	src  *replay.Conn
	out  []byte
	ends []int // ends[i]: end of key i's request in out
}

// batch copies keys to the peer and returns how many, from the first,
// were applied: the peer answered every copy up to there with success.
func (r *hintReplayer) batch(ctx context.Context, keys [][]byte) (int, error) {
	for _, k := range keys {
		r.src.QueueRaw(replay.AppendSource(nil, k))
	}
	if err := r.src.Send(); err != nil {
		return 0, fmt.Errorf("cannot read the local datastore: %w", err)
	}
	r.out, r.ends = r.out[:0], r.ends[:0]
	for _, k := range keys {
		dump, err := r.src.Reply()
		if err != nil {
			return 0, fmt.Errorf("cannot read the local datastore: %w", err)
		}
		dump = append([]byte(nil), dump...) // the next Reply reuses the buffer
		pttl, err := r.src.Reply()
		if err != nil {
			return 0, fmt.Errorf("cannot read the local datastore: %w", err)
		}
		if r.out, _, err = replay.AppendTarget(r.out, k, dump, pttl); err != nil {
			return 0, err
		}
		r.ends = append(r.ends, len(r.out))
	}
	return r.send(ctx, len(keys))
}

// send queues the n copies in r.out on the peer's link and waits for
// their replies.
func (r *hintReplayer) send(ctx context.Context, n int) (int, error) {
	w := newHintWaits(n) // one per batch: a late answer of an earlier one finds its own
	lk := r.peer.Links[0]
	var b batch.Batch
	b.Now = r.node.Core.Clock()
	start, queued := 0, 0
	for i := 0; i < n; i++ {
		m := r.node.Msgs.Acquire(w)
		m.Idx, m.Write = int32(i), true
		if !lk.Enqueue(r.out[start:r.ends[i]], m, &b) {
			m.Release()
			break
		}
		start = r.ends[i]
		queued++
	}
	b.Run()
	w.expect(queued)
	t := time.NewTimer(hintWait)
	defer t.Stop()
	select {
	case <-w.done:
	case <-ctx.Done():
		return w.applied(), errReplayStopped
	case <-t.C:
		return w.applied(), errors.New("the peer did not answer the copies in time")
	}
	ok := w.applied()
	switch {
	case queued < n:
		return ok, errors.New("the peer's link refused a copy")
	case ok < n:
		return ok, fmt.Errorf("the peer refused a copy: %s", w.firstErr())
	}
	return ok, nil
}

// hintWaits collects the peer's replies to one batch of copies (a
// msg.Owner). Answer runs on the peer connection's poller.
type hintWaits struct {
	mu      sync.Mutex
	ok      []bool
	pending int
	want    bool // expect was called
	errText string
	done    chan struct{}
}

func newHintWaits(n int) *hintWaits {
	return &hintWaits{ok: make([]bool, n), done: make(chan struct{})}
}

// expect sets how many answers the batch waits for.
func (w *hintWaits) expect(n int) {
	w.mu.Lock()
	w.pending += n
	w.want = true
	if w.pending == 0 {
		close(w.done)
	}
	w.mu.Unlock()
}

// Answer takes the peer's reply to one copy (msg.Owner).
func (w *hintWaits) Answer(m *msg.Msg, reply []byte, code replica.Code, _ *batch.Batch) {
	i := int(m.Idx)
	m.Release()
	w.mu.Lock()
	defer w.mu.Unlock()
	good := code == replica.NoError && len(reply) > 0 && reply[0] != '-'
	if i >= 0 && i < len(w.ok) {
		w.ok[i] = good
	}
	if !good && w.errText == "" {
		w.errText = code.Text()
		if code == replica.NoError {
			w.errText = string(reply)
		}
	}
	w.pending--
	if w.want && w.pending == 0 {
		close(w.done)
	}
}

// applied is the number of copies, from the first, that succeeded.
func (w *hintWaits) applied() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, ok := range w.ok {
		if !ok {
			return i
		}
	}
	return len(w.ok)
}

func (w *hintWaits) firstErr() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.errText
}
