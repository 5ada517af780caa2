package membership

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/gossip"
	"github.com/dynomite-go/dynomite/ring/seeds"
)

// The gossip node table (docs/compat.md §6.2, §6.3): what C Dynomite's
// gossip thread keeps, as a deterministic core. Time comes in with every
// call; nothing here starts a goroutine or reads a clock (Run, in
// gossip_run.go, is the thin loop around it).
//
//	          Tick(now) every gos_interval
//	  JOINING ─────────────────────────▶ announcement to every peer, then
//	     │                                quiet for two more intervals
//	     │ Receive(any good payload)
//	     │ or the table holds only this node
//	     ▼
//	  NORMAL  ─────────────────────────▶ state table to one random peer
//
//	Receive(from, payload, now): per record, keyed by (dc, rack, token):
//	  unknown key                    -> add           (ring changes)
//	  known key, same address, newer -> state, ts     (Detector.Gossip on a state change)
//	  known key, new address, newer  -> readdress     (ring changes)
//	  this node's key, other address -> ignored, counted as a self conflict
//	  address held by another key    -> ignored, counted as a conflict
//	  table full                     -> ignored, counted
//
// Differs from C: a record moves a node to a new address only when it is
// newer than what the table holds (C moves it on any record, so an old
// state table can move a replaced node back); receipt turns only a JOINING
// node NORMAL (C also overrides admin states); the JOINING pause is two
// intervals (C sleeps 2 x max(timeout, interval) with the units mixed up,
// which is two intervals for any real setting); the failure detector's
// window is 40 intervals without C's truncation to whole seconds; a peer
// whose port differs from this node's dyn_listen port is written host:port
// (C has one port for the whole cluster and writes the host only).

// initialTS is the age C gives peers it has not heard from yet.
const initialTS = 1010101

// GossipConfig configures a Gossiper.
type GossipConfig struct {
	// Self is this node as the ring knows it; Self.Addr is its dyn_listen
	// host:port, whose port is the one records without a port get.
	Self ring.Node
	// Broadcast is the host (or host:port) this node announces, from
	// BroadcastAddress; "" is the host of Self.Addr.
	Broadcast string
	// Peers are the other nodes known at start (the first ring snapshot);
	// they start DOWN with an aged timestamp, as in C.
	Peers []ring.Node
	// Enabled is enable_gossip: when false Tick only refreshes this node's
	// timestamp and sends nothing.
	Enabled bool
	// Interval is gos_interval; 0 is 30 s.
	Interval time.Duration
	// Hash and Tag build the ring snapshots (ring.New).
	Hash ring.HashFunc
	Tag  string
	// Rand picks the peer of each NORMAL round; nil is a fixed seed.
	Rand *rand.Rand
	// MaxNodes bounds the table; 0 is gossip.DefaultLimits.MaxRecords.
	MaxNodes int
	// Limits bound a received payload; zero fields take the defaults.
	Limits gossip.Limits
	// Logger gets warnings for bad payloads and records, at most one per
	// LogEvery (0: one minute) with the count of those left out.
	Logger   *slog.Logger
	LogEvery time.Duration
	// OnChange receives each new ring snapshot: a node added or moved to
	// a new address. It runs under the Gossiper's lock, in the order the
	// snapshots were made, and must not call the Gossiper.
	OnChange func(*ring.Snapshot)
	// OnState receives this node's new state when gossip changes it
	// (JOINING to NORMAL). Same rules as OnChange.
	OnState func(gossip.State)
	// Nanos converts a call's now to the Detector's clock; nil is
	// now.UnixNano().
	Nanos func(time.Time) int64
}

// Message is one payload to send: To is the peer's ring address
// (host:port). The engine frames it (AppendFrame) and sends it on its link
// to that peer.
type Message struct {
	To      string
	Payload []byte
}

// Member is one row of the table, as Table returns it.
type Member struct {
	DC, Rack string
	Token    uint32
	Addr     string // host:port
	State    gossip.State
	TS       uint64
	Local    bool
}

// GossipStats count what a Gossiper did since it was made.
type GossipStats struct {
	Rounds        uint64 // Ticks that sent something
	Sent          uint64 // messages returned by Tick
	Received      uint64 // payloads given to Receive
	BadPayloads   uint64 // payloads refused whole (over the limits)
	BadRecords    uint64 // malformed records skipped
	Added         uint64 // nodes added
	Readdressed   uint64 // nodes moved to a new address
	Updated       uint64 // state/timestamp updates
	SelfConflicts uint64 // records for this node's token at another address
	Conflicts     uint64 // records for an address another node holds
	Full          uint64 // new nodes refused because the table was full
	Changes       uint64 // snapshots delivered
	BuildErrors   uint64 // tables ring.New refused (the last snapshot stays)
}

type key struct {
	dc, rack string
	token    uint32
}

type member struct {
	node  ring.Node // Addr is host:port; Tokens[0] is the key's token
	host  string
	port  int
	ts    uint64
	state gossip.State
	local bool
}

// Gossiper is the node table of one node. Every method is safe for
// concurrent use; calls are serialised by one lock.
type Gossiper struct {
	cfg      GossipConfig
	selfPort int

	mu      sync.Mutex
	table   map[key]*member
	byAddr  map[string]key
	order   []key // this node first, then peers in the order they came (C's peer array)
	self    *member
	quietTo time.Time
	stats   GossipStats
	det     *Detector
	detIdx  map[string]int
	logAt   time.Time
	dropped int
}

// NewGossiper returns a Gossiper holding this node (state JOINING when
// gossip is enabled, else NORMAL) and cfg.Peers. A peer that clashes with
// an earlier one (same address or same position) is left out.
func NewGossiper(cfg GossipConfig) (*Gossiper, error) {
	host, port, err := splitHostPort(cfg.Self.Addr)
	if err != nil {
		return nil, fmt.Errorf("cannot use this node's address %q: %w", cfg.Self.Addr, err)
	}
	if len(cfg.Self.Tokens) == 0 || cfg.Hash == nil {
		return nil, fmt.Errorf("cannot make a gossiper without tokens or hash: %w", ErrBadOptions)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(1, 2))
	}
	if cfg.MaxNodes <= 0 {
		cfg.MaxNodes = gossip.DefaultLimits.MaxRecords
	}
	if cfg.LogEvery <= 0 {
		cfg.LogEvery = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Nanos == nil {
		cfg.Nanos = func(t time.Time) int64 { return t.UnixNano() }
	}
	if cfg.Broadcast == "" {
		cfg.Broadcast = host
	}
	g := &Gossiper{cfg: cfg, selfPort: port, table: map[key]*member{}, byAddr: map[string]key{}}
	st := gossip.Joining
	if !cfg.Enabled {
		st = gossip.Normal
	}
	g.self = &member{node: cfg.Self, host: host, port: port, state: st, local: true}
	g.insert(g.self)
	for _, p := range cfg.Peers {
		h, pt, err := splitHostPort(p.Addr)
		if err != nil || len(p.Tokens) == 0 || len(g.table) >= cfg.MaxNodes {
			continue
		}
		if g.clash(p.DC, p.Rack, p.Tokens, p.Addr) != "" {
			continue
		}
		g.insert(&member{node: p, host: h, port: pt, ts: initialTS, state: gossip.Down})
	}
	return g, nil
}

func splitHostPort(addr string) (string, int, error) {
	h, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	p, err := strconv.Atoi(ps)
	if err != nil || p < 1 || p > 65535 {
		return "", 0, fmt.Errorf("bad port %q", ps)
	}
	return h, p, nil
}

func (g *Gossiper) insert(m *member) {
	k := key{m.node.DC, m.node.Rack, m.node.Tokens[0]}
	g.table[k] = m
	g.byAddr[m.node.Addr] = k
	g.order = append(g.order, k)
}

// clash names why a node at addr holding tokens in dc/rack cannot join
// the table, or returns "".
func (g *Gossiper) clash(dc, rack string, tokens []uint32, addr string) string {
	if _, ok := g.byAddr[addr]; ok {
		return "address held by another node"
	}
	for _, m := range g.table {
		if m.node.DC != dc || m.node.Rack != rack {
			continue
		}
		for _, t := range tokens {
			if slices.Contains(m.node.Tokens, t) {
				return "token held by another node"
			}
		}
	}
	return ""
}

// State returns this node's state.
func (g *Gossiper) State() gossip.State {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.self.state
}

// SetState sets this node's state (admin: /state/...). OnState is not
// called for it.
func (g *Gossiper) SetState(st gossip.State) {
	g.mu.Lock()
	g.self.state = st
	g.mu.Unlock()
}

// SetDetector makes d the Detector that gossip-reported states go to; d's
// peer names are the ring node names of the snapshot it was made for. nil
// stops the reports.
func (g *Gossiper) SetDetector(d *Detector) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.det, g.detIdx = d, nil
	if d == nil {
		return
	}
	g.detIdx = make(map[string]int, d.Len())
	for i, name := range d.names {
		g.detIdx[name] = i
	}
}

// Stats returns the counters.
func (g *Gossiper) Stats() GossipStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stats
}

// Table returns the table sorted by DC, rack and token.
func (g *Gossiper) Table() []Member {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Member, 0, len(g.table))
	for _, k := range g.sortedKeys() {
		m := g.table[k]
		out = append(out, Member{DC: k.dc, Rack: k.rack, Token: k.token, Addr: m.node.Addr, State: m.state, TS: m.ts, Local: m.local})
	}
	return out
}

func (g *Gossiper) sortedKeys() []key {
	keys := make([]key, 0, len(g.table))
	for k := range g.table {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.dc, b.dc), cmp.Compare(a.rack, b.rack), cmp.Compare(a.token, b.token))
	})
	return keys
}

// Snapshot builds the ring of the current table: this node first, the
// others sorted by DC, rack and first token.
func (g *Gossiper) Snapshot() (*ring.Snapshot, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.build()
}

func (g *Gossiper) build() (*ring.Snapshot, error) {
	others := make([]ring.Node, 0, len(g.table)-1)
	for _, m := range g.table {
		if !m.local {
			others = append(others, m.node)
		}
	}
	slices.SortFunc(others, func(a, b ring.Node) int {
		return cmp.Or(cmp.Compare(a.DC, b.DC), cmp.Compare(a.Rack, b.Rack), cmp.Compare(a.Tokens[0], b.Tokens[0]))
	})
	return ring.New(append([]ring.Node{g.self.node}, others...), 0, g.cfg.Hash, g.cfg.Tag)
}

// changed rebuilds the snapshot and hands it to OnChange.
func (g *Gossiper) changed(now time.Time) {
	snap, err := g.build()
	if err != nil {
		g.stats.BuildErrors++
		g.warn(now, "gossip table makes no ring, keeping the last one", slog.Any("err", err))
		return
	}
	g.stats.Changes++
	if g.cfg.OnChange != nil {
		g.cfg.OnChange(snap)
	}
}

func (g *Gossiper) setSelf(st gossip.State) {
	if g.self.state == st {
		return
	}
	g.self.state = st
	if g.cfg.OnState != nil {
		g.cfg.OnState(st)
	}
}

// warn logs at most one line per LogEvery, with the count left out.
func (g *Gossiper) warn(now time.Time, msg string, attrs ...slog.Attr) {
	if !g.logAt.IsZero() && now.Sub(g.logAt) < g.cfg.LogEvery && now.After(g.logAt) {
		g.dropped++
		return
	}
	attrs = append(attrs, slog.Int("suppressed", g.dropped))
	g.logAt, g.dropped = now, 0
	g.cfg.Logger.LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
}

// Seeds merges a seed provider's list as C does: each seed is a NORMAL
// record stamped now, so a seed moves a known token to its address. A
// seed that moves a token is stamped one second past what the table holds
// when that is not older than now (timestamps are whole seconds): the
// provider's move is not lost to gossip heard in the same second.
func (g *Gossiper) Seeds(list []seeds.Seed, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	changed := false
	for _, s := range list {
		n := ring.Node{Name: s.Addr(), Addr: s.Addr(), DC: s.DC, Rack: s.Rack, Tokens: slices.Clone(s.Tokens)}
		ts := uint64(now.Unix())
		if m, ok := g.table[key{n.DC, n.Rack, n.Tokens[0]}]; ok && !m.local && m.node.Addr != n.Addr && m.ts >= ts {
			ts = m.ts + 1
		}
		if g.merge(n, s.Host, s.Port, ts, gossip.Normal, now) {
			changed = true
		}
	}
	if changed {
		g.changed(now)
	}
}
