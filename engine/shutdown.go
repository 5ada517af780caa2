package engine

import (
	"context"
	"time"
)

// Shutdown stops the node: it stops accepting clients and stops reading
// new requests, lets the requests in flight be answered until ctx is done,
// then closes every client and datastore connection. It returns ctx.Err()
// when in-flight requests were cut off, nil otherwise. Calling it on a node
// that was never started is allowed.
func (n *Node) Shutdown(ctx context.Context) error {
	n.closing.Store(true)
	n.mu.Lock()
	started := n.started
	evl := n.evl
	n.mu.Unlock()

	err := n.drain(ctx)
	if started {
		// Closes the listener and the clients netpoll sees idle; returns
		// at once when ctx is done, the rest is closed below.
		sctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_ = evl.Shutdown(sctx)
		cancel()
	}
	for _, c := range n.clientList() {
		c.closeLater()
	}
	for _, sl := range n.slots {
		sl.stop()
	}
	n.stopPeers()
	n.wg.Wait()
	if started {
		<-n.serveDone
	}
	n.stopAdmin()
	n.log.Info("node stopped")
	return err
}

// drain waits until no request is in flight or ctx is done.
func (n *Node) drain(ctx context.Context) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for n.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

func (n *Node) clientList() []*conn {
	n.mu.Lock()
	defer n.mu.Unlock()
	l := make([]*conn, 0, len(n.clients))
	for c := range n.clients {
		l = append(l, c)
	}
	return l
}
