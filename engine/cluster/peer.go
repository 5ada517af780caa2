package cluster

import (
	"sync/atomic"

	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/engine/outbound"
)

// Peer is one other node and its outgoing connections (links of the peer
// kind: a dnode header before each request and each reply, replies matched
// by msg id). A peer kept by a new ring keeps its links; Node then moves
// to its index there.
type Peer struct {
	Node   atomic.Int32 // index in the newest topology holding it
	Seed   int          // index in dyn_seeds; -1 for a peer from a provider or gossip
	Name   string
	Addr   string
	SameDC bool
	Links  []*outbound.Link
	// Resetting: /peer/reset closed the links; their losses are no
	// failures. Cleared when a link is up again.
	Resetting atomic.Bool
	// Throttle is conn_msg_rate for a remote-DC peer; nil when unset or
	// the peer is in this node's DC.
	Throttle *membership.Throttle
	Lazy     bool // preconnect: false
}

// NewPeer makes a peer with conns links (at least one) dialling addr
// through env; nothing is dialled. The caller sets the links' Connected
// and DialFailed hooks.
func NewPeer(env *outbound.Env, conns, idx, seed int, name, network, addr string, sameDC bool) *Peer {
	p := &Peer{Seed: seed, Name: name, Addr: addr, SameDC: sameDC}
	p.Node.Store(int32(idx))
	conns = max(conns, 1)
	for i := 0; i < conns; i++ {
		lk := outbound.NewLink(env, i, network, p.Addr)
		lk.Peer, lk.SameDC = true, sameDC
		p.Links = append(p.Links, lk)
	}
	return p
}

// Up reports whether any of p's connections is up.
func (p *Peer) Up() bool {
	for _, lk := range p.Links {
		if lk.Cur.Load() != nil {
			return true
		}
	}
	return false
}

// Start dials every link of p; a failure retries with back-off. With
// Lazy (preconnect: false), a link dials on its first use instead.
func (p *Peer) Start() {
	for _, lk := range p.Links {
		if p.Lazy {
			lk.Lazy.Store(true)
			continue
		}
		go lk.Reconnect()
	}
}

// Stop ends p's links: no more dials, connections closed (what is queued
// on them fails).
func (p *Peer) Stop() {
	for _, lk := range p.Links {
		lk.Stop()
	}
}

// Pick returns the link a client uses: client id modulo the connections,
// so one client's requests to a peer stay in order on one connection.
func (p *Peer) Pick(id uint64) *outbound.Link { return p.Links[id%uint64(len(p.Links))] }
