package membership

import (
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/ring/gossip"
)

// The failure detector (docs/compat.md §9.2, §9.3) as a state machine over
// events the engine reports; it reads no clock, now comes with each event
// as nanoseconds of one monotonic clock the caller picks.
//
//	        Failure × limit (auto_eject_hosts)        Allow after retry: one probe
//	  UP ─────────────────────────────────▶ DOWN ───────────────────────────▶ DOWN (probing)
//	   ▲ ◀──────────── Success ─────────────┘ ◀── Failure: DOWN again, retry re-armed ┘
//	   └──── Gossip(NORMAL) ◀───────────▶ Gossip(DOWN) sets DOWN at once
//
// C Dynomite stores server_failure_limit and sets an ejection time that is
// never read, so it never ejects; here the documented behaviour acts.

// DetectorConfig holds the pool's keys.
type DetectorConfig struct {
	AutoEject    bool          // auto_eject_hosts
	FailureLimit int           // server_failure_limit; < 1 is 1
	RetryTimeout time.Duration // server_retry_timeout
}

// Detector judges a fixed set of peers, indexed as the ring snapshot it was
// made for. Follow makes one for the next snapshot.
type Detector struct {
	cfg   DetectorConfig
	names []string
	peers []peerState
}

type peerState struct {
	failures atomic.Int64
	downAt   atomic.Int64 // 0: up; else when it went DOWN or was last probed (never 0 while down)
	ejects   atomic.Uint64
}

// NewDetector returns a Detector for peers named names (ring node names),
// all UP.
func NewDetector(cfg DetectorConfig, names []string) *Detector {
	if cfg.FailureLimit < 1 {
		cfg.FailureLimit = 1
	}
	return &Detector{cfg: cfg, names: append([]string(nil), names...), peers: make([]peerState, len(names))}
}

// Follow returns a Detector for a new peer list: a peer whose name is in
// both keeps its state, a new one starts UP. d stays usable for requests
// still routed on the old snapshot; events reported to d after Follow are
// not carried over.
func (d *Detector) Follow(names []string) *Detector {
	n := NewDetector(d.cfg, names)
	old := make(map[string]int, len(d.names))
	for i, name := range d.names {
		old[name] = i
	}
	for i, name := range names {
		if j, ok := old[name]; ok {
			n.peers[i].failures.Store(d.peers[j].failures.Load())
			n.peers[i].downAt.Store(d.peers[j].downAt.Load())
			n.peers[i].ejects.Store(d.peers[j].ejects.Load())
		}
	}
	return n
}

// stamp keeps 0 free to mean UP.
func stamp(now int64) int64 {
	if now == 0 {
		return 1
	}
	return now
}

// Failure records a failed request or connection to peer. It reports
// whether the peer went DOWN with it: auto_eject_hosts on and the
// consecutive failures reaching the limit, or a failed probe.
func (d *Detector) Failure(peer int, now int64) bool {
	p := &d.peers[peer]
	n := p.failures.Add(1)
	if !d.cfg.AutoEject {
		return false
	}
	if at := p.downAt.Load(); at != 0 {
		p.downAt.Store(stamp(now)) // a failed probe: wait a full retry again
		return false
	}
	if n >= int64(d.cfg.FailureLimit) && p.downAt.CompareAndSwap(0, stamp(now)) {
		p.ejects.Add(1)
		return true
	}
	return false
}

// Success records a reply or a completed connection: the failure count is
// reset and a DOWN peer comes back UP. It reports whether it did.
func (d *Detector) Success(peer int) bool {
	p := &d.peers[peer]
	p.failures.Store(0)
	return p.downAt.Swap(0) != 0
}

// Gossip applies a state gossip reported for peer: DOWN marks it DOWN at
// once whatever the local count (and reports true if it was UP), NORMAL
// marks it UP with a clean count (and reports true if it was DOWN). Other
// states change nothing.
func (d *Detector) Gossip(peer int, st gossip.State, now int64) bool {
	p := &d.peers[peer]
	switch st {
	case gossip.Down:
		if p.downAt.CompareAndSwap(0, stamp(now)) {
			p.ejects.Add(1)
			return true
		}
	case gossip.Normal:
		return d.Success(peer)
	}
	return false
}

// Allow reports whether a request may go to peer now: always when UP;
// when DOWN, once per server_retry_timeout (the caller that gets true
// sends the probe and reports its Success or Failure). It allocates
// nothing and is safe on the request path.
func (d *Detector) Allow(peer int, now int64) bool {
	p := &d.peers[peer]
	at := p.downAt.Load()
	if at == 0 {
		return true
	}
	if now-at < int64(d.cfg.RetryTimeout) {
		return false
	}
	return p.downAt.CompareAndSwap(at, stamp(now))
}

// Reconnected records that a connection to a DOWN peer came up again: its
// next Allow lets a probe through at once instead of after the rest of
// server_retry_timeout. The peer stays DOWN until the probe's Success. It
// changes nothing for an UP peer.
func (d *Detector) Reconnected(peer int) {
	p := &d.peers[peer]
	if at := p.downAt.Load(); at != 0 {
		p.downAt.CompareAndSwap(at, stamp(at-int64(d.cfg.RetryTimeout)))
	}
}

// Up reports whether peer is UP.
func (d *Detector) Up(peer int) bool { return d.peers[peer].downAt.Load() == 0 }

// State returns gossip.Normal or gossip.Down, as /peer and gossip show it.
func (d *Detector) State(peer int) gossip.State {
	if d.Up(peer) {
		return gossip.Normal
	}
	return gossip.Down
}

// Failures returns peer's consecutive failures, and Ejects how often it
// went DOWN.
func (d *Detector) Failures(peer int) int64 { return d.peers[peer].failures.Load() }

// Ejects returns how many times peer went DOWN.
func (d *Detector) Ejects(peer int) uint64 { return d.peers[peer].ejects.Load() }

// Len returns the number of peers.
func (d *Detector) Len() int { return len(d.peers) }
