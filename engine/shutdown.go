package engine

import (
	"context"
	"time"

	"github.com/cloudwego/netpoll"
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

	err := n.awaitIdle(ctx)
	if started {
		stopLoop(evl)
	}
	for _, c := range n.clientList() {
		c.CloseLater()
	}
	for _, lk := range n.links3 {
		lk.Stop()
	}
	for _, lk := range n.links {
		lk.Stop()
	}
	n.ded.Stop() // no spare is dialled past this point
	n.stopPeers()
	n.wg.Wait()
	n.conv.Stop() // after the links: no write can leave a hint any more
	if started {
		n.waitServe(evl)
	}
	n.stopAdmin()
	n.log.Info("node stopped")
	return err
}

// stopLoop closes the event loop's listener and the clients netpoll sees
// idle; it gives up after 50 ms, Shutdown closes the rest.
func stopLoop(evl netpoll.EventLoop) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_ = evl.Shutdown(ctx)
	cancel()
}

// waitServe waits until the event loop's Serve has returned. netpoll's
// Shutdown does nothing until Serve, which Start runs on its own goroutine,
// has set its server up, so a node stopped right after Start is told again
// every 20 ms.
func (n *Node) waitServe(evl netpoll.EventLoop) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-n.serveDone:
			return
		case <-t.C:
			stopLoop(evl)
		}
	}
}

// drain waits until no request is in flight or ctx is done.
func (n *Node) awaitIdle(ctx context.Context) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for n.env.Inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

func (n *Node) clientList() []*accepted {
	n.mu.Lock()
	defer n.mu.Unlock()
	l := make([]*accepted, 0, len(n.clients))
	for c := range n.clients {
		l = append(l, c)
	}
	return l
}
