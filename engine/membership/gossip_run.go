package membership

import (
	"context"
	"time"

	"github.com/dynomite-go/dynomite/codec/dnode"
)

// Transport sends gossip payloads to peers. The engine implements it on
// its peer links: frame the payload (AppendFrame, then the link's
// encryption when it is secured) and send it on a connection to the peer
// at address peer (host:port), dialling one if needed. Send must not
// block on the network and must not call the Gossiper; a payload it cannot
// send is dropped (gossip expects no reply and retries every round).
type Transport interface {
	Send(peer string, payload []byte)
}

// Run calls Tick every Interval until ctx is done and hands each message
// to t. It is the only goroutine the Gossiper needs; Receive is called by
// the engine as GOSSIP_SYN frames arrive.
func (g *Gossiper) Run(ctx context.Context, t Transport) {
	tk := time.NewTicker(g.cfg.Interval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tk.C:
			for _, m := range g.Tick(now) {
				t.Send(m.To, m.Payload)
			}
		}
	}
}

// AppendFrame appends an unencrypted GOSSIP_SYN frame carrying payload, as
// C writes it: codec/dnode's Gossip header (data "a"), then the payload.
// id is the sender's gossip message counter; sameDC says whether the peer
// is in this node's DC.
func AppendFrame(dst []byte, id uint64, sameDC bool, payload []byte) []byte {
	dst = dnode.AppendHeader(dst, dnode.Gossip(id, sameDC, uint32(len(payload))))
	return append(dst, payload...)
}
