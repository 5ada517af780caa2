package cluster

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/seeds"
)

// The live topology of a running node and what changes it (Live): who
// the other nodes are and which of them get requests.
//
//	seed provider ──Poller (every SeedInterval)──▶ Swap(snapshot)
//	gossip table changed ──mailbox──▶ gossip goroutine ──▶ Swap (gossip.go)
//	                                                 │ ring.Compare(old, new)
//	                                                 ▼
//	      new topology: kept peers carried over (links and detector state),
//	      added and readdressed peers made (LiveEnv.Peer) and dialled,
//	      removed ones retired (closed after LiveEnv.RetireAfter, so
//	      requests routed on the old topology finish there); one atomic
//	      store publishes it
//
// A node whose dyn_seed_provider is florida_provider or dns_provider
// starts with a ring of itself alone and stays JOINING until the
// provider's first usable list (Joining); then it goes NORMAL
// (LiveEnv.Normal). A failing provider keeps the last good list (the
// Poller counts and logs it).

// LiveEnv is what a Live uses of its node. The node fills it once, before
// Init, and only reads it afterwards.
type LiveEnv struct {
	// Topo is the node's live topology, holding the first one (Build)
	// before Start; Swap is its one writer afterwards.
	Topo *atomic.Pointer[Topology]
	Pool *conf.Pool
	Log  *slog.Logger
	// Peer makes the peer of node i of snap, a new ring: links made and
	// set up for it, nothing dialled. It runs under Live's lock.
	Peer func(snap *ring.Snapshot, i int) *Peer
	// Normal moves the node from INIT or JOINING to NORMAL: its seed
	// provider gave its first list, or gossip heard from the cluster.
	Normal func()
	// Getenv is the environment the providers and the broadcast address
	// read; nil means nothing is set.
	Getenv func(string) string
	// Clock is the node's clock (monotonic nanoseconds), gossip's stamps.
	Clock func() int64
	// SeedInterval is the seed provider's poll period (0: 30 s);
	// HTTPClient florida_provider's client (nil: a plain one); Resolver
	// dns_provider's (nil: net.DefaultResolver).
	SeedInterval time.Duration
	HTTPClient   *http.Client
	Resolver     *net.Resolver
	// RetireAfter is how long the links of a peer removed from the ring
	// stay open for the requests routed before the change.
	RetireAfter time.Duration
}

// Live is a node's live topology and what changes it: ring swaps, the
// retirement of removed peers, the seed provider's polling and gossip.
// Its methods may be called from any goroutine once Init has run.
type Live struct {
	env LiveEnv
	// provided: the ring comes from a seed provider other than the simple
	// one, so the node waits for its first list.
	provided bool
	// joined: the provider gave a list (always true without a provider).
	joined atomic.Bool
	swaps  atomic.Int64 // rings published after the first

	mu       sync.Mutex // serializes swaps; guards the fields below
	stopped  bool
	poller   *membership.Poller
	cancel   context.CancelFunc
	done     chan struct{}
	retiring map[*Peer]*time.Timer
	// provSeeds is the provider's previous list, read and written by the
	// polling goroutine only (providerList).
	provSeeds []seeds.Seed
	gossip    atomic.Pointer[liveGossip] // set while gossip runs (gossip.go)
}

// Init sets l up from e; nothing starts. Call it before Build, whose
// provided argument is l.Provided().
func (l *Live) Init(e LiveEnv) {
	l.env = e
	prov := e.Pool.DynSeedProvider
	l.provided = !e.Pool.DynListen.IsZero() &&
		(strings.HasPrefix(prov, membership.FloridaName) || strings.HasPrefix(prov, membership.DNSName))
	l.joined.Store(!l.provided)
	l.retiring = make(map[*Peer]*time.Timer)
}

// Provided reports whether the ring comes from a seed provider other than
// the simple one: the node starts alone and JOINING.
func (l *Live) Provided() bool { return l.provided }

// Joining reports whether the node must stay JOINING: it waits for its
// seed provider's first list, or for gossip to hear from the cluster.
func (l *Live) Joining() bool { return !l.joined.Load() || l.gossipJoining() }

// Swaps is the number of rings published after the first.
func (l *Live) Swaps() int64 { return l.swaps.Load() }

// Poller returns the seed provider's poller; nil when there is none or
// before Start.
func (l *Live) Poller() *membership.Poller {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.poller
}

// Start starts gossip, when it is on, and polling the seed provider, when
// there is one. Call it once, after the live topology's peers started.
func (l *Live) Start() error {
	if err := l.startGossip(); err != nil || !l.provided {
		return err
	}
	p := l.env.Pool
	local := LocalRingNode(p)
	prov, err := membership.NewProvider(membership.Options{
		Provider:   p.DynSeedProvider,
		Seeds:      p.DynSeeds,
		Getenv:     l.env.Getenv,
		HTTPClient: l.env.HTTPClient,
		Resolver:   l.env.Resolver,
		DC:         local.DC,
		Port:       p.DynListen.Port,
		Tokens:     local.Tokens,
	})
	if err != nil {
		return err
	}
	t := l.env.Topo.Load()
	poller := membership.NewPoller(membership.PollerOptions{
		Provider: prov,
		Interval: l.env.SeedInterval,
		Timeout:  p.Timeout,
		Self:     seeds.Self{Node: local},
		Hash:     t.Hash(),
		Tag:      t.HashTagChars(),
		Logger:   l.env.Log,
		OnChange: l.providerList,
	})
	ctx, cancel := context.WithCancel(context.Background())
	l.mu.Lock()
	l.poller, l.cancel, l.done = poller, cancel, make(chan struct{})
	done := l.done
	l.mu.Unlock()
	go func() {
		defer close(done)
		poller.Run(ctx)
	}()
	return nil
}

// providerList applies a new list of the seed provider. Without gossip
// its snapshot is the ring. With gossip the gossip table is the ring: the
// records that are new or changed since the provider's previous list are
// merged into it as C merges seeds (NORMAL, stamped now), and the gossip
// loop publishes the result. Records the provider repeats unchanged are not
// merged again, so a stale provider record cannot move back a node that
// gossip has since seen at a new address. The first list ends JOINING even
// when it adds nothing to what gossip already knew.
func (l *Live) providerList(snap *ring.Snapshot, list []seeds.Seed) {
	lg := l.gossip.Load()
	if lg == nil {
		l.Swap(snap)
		return
	}
	fresh := newSeeds(l.provSeeds, list)
	l.provSeeds = list
	lg.g.Seeds(fresh, time.Now())
	if l.joined.Load() {
		return
	}
	// Only when no newer snapshot waits: the gossip loop publishes in order.
	if s, err := lg.g.Snapshot(); err == nil && lg.pending.CompareAndSwap(nil, s) {
		lg.wake()
	}
}

// newSeeds returns the seeds of list that old does not hold as they are.
func newSeeds(old, list []seeds.Seed) []seeds.Seed {
	had := make(map[string]bool, len(old))
	for _, s := range old {
		had[string(seeds.AppendRecord(nil, s))] = true
	}
	var out []seeds.Seed
	for _, s := range list {
		if !had[string(seeds.AppendRecord(nil, s))] {
			out = append(out, s)
		}
	}
	return out
}

// Stop stops gossip, the provider's polling and every peer's links, the
// retiring ones included; no Swap publishes afterwards.
func (l *Live) Stop() {
	l.stopGossip()
	l.mu.Lock()
	l.stopped = true
	cancel, done := l.cancel, l.done
	for p, tm := range l.retiring {
		tm.Stop()
		p.Stop()
	}
	clear(l.retiring)
	l.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if t := l.env.Topo.Load(); t != nil {
		for _, p := range t.Peers {
			if p != nil {
				p.Stop()
			}
		}
	}
}

// Swap publishes the topology of snap (this node at index 0): peers at
// the same address keep their links and detector state, peers added or
// readdressed get new links (dialled at once), and peers no longer in
// the ring are retired. After Stop it does nothing.
func (l *Live) Swap(snap *ring.Snapshot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return
	}
	old := l.env.Topo.Load()
	d := ring.Compare(old.Snapshot, snap)
	t := &Topology{Snapshot: snap, Solo: snap.Nodes() == 1, Peers: make([]*Peer, snap.Nodes())}
	names := make([]string, snap.Nodes())
	for i := range names {
		names[i] = snap.Node(i).Addr
	}
	t.Det = old.Det.Follow(names)
	var fresh, gone []*Peer
	for _, k := range d.Kept {
		p := old.Peers[k.Old]
		if p.SameDC != snap.SameDC(k.New) {
			// the peer moved between DCs: its links' headers and counts change
			gone = append(gone, p)
			d.Added = append(d.Added, k.New)
			continue
		}
		p.Node.Store(int32(k.New))
		t.Peers[k.New] = p
	}
	for _, r := range d.Readdressed {
		gone = append(gone, old.Peers[r.Old])
		d.Added = append(d.Added, r.New)
	}
	for _, i := range d.Removed {
		gone = append(gone, old.Peers[i])
	}
	for _, i := range d.Added {
		t.Peers[i] = l.env.Peer(snap, i)
		fresh = append(fresh, t.Peers[i])
	}
	l.env.Topo.Store(t)
	l.gossipFollow(t)
	if (old.Nodes() > 1 || snap.Nodes() > 1) && l.joined.Load() {
		l.swaps.Add(1)
	}
	l.env.Log.Info("ring changed", "nodes", snap.Nodes(), "added", len(fresh), "removed", len(gone),
		"readdressed", len(d.Readdressed))
	for _, p := range fresh {
		p.Start()
	}
	for _, p := range gone {
		l.retire(p)
	}
	if !l.joined.Swap(true) {
		l.env.Normal()
	}
}

// retire closes p's links after the grace period, so that requests routed
// on an older topology still reach it. Callers hold mu.
func (l *Live) retire(p *Peer) {
	l.retiring[p] = time.AfterFunc(l.env.RetireAfter, func() {
		l.mu.Lock()
		_, ok := l.retiring[p]
		delete(l.retiring, p)
		l.mu.Unlock()
		if ok {
			p.Stop()
		}
	})
}
