package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/stats"
	"github.com/dynomite-go/dynomite/engine/tally"
	"github.com/dynomite-go/dynomite/replica"
)

// The node as the stats/admin endpoint sees it (engine/admin.Node).
//
// Every value the endpoint reads or changes lives in an atomic of
// adminState, so the HTTP handlers never take a lock the request path
// takes:
//
//	/set_consistency  -> rlevel, wlevel: copied by each client connection
//	                     when it is accepted (client.rlevel, client.wlevel)
//	/state/...        -> state: checked on the hop to the local datastore
//	                     (conn.rejectByState, docs/compat.md §4.8)
//	/set_timeout_...  -> factor: multiplies the datastore timeout when
//	                     deadlines are stamped (Node.requestTimeout)
//	/setloglevel ...  -> Options.LogLevel, the process's verbosity
//	/read_repairs     -> repairs (read by the coordinator once it exists)
//	/peer/...         -> peerState, one cell per dyn_seeds entry
//
// The endpoint itself (admin.Server) and the stats aggregator start in
// Node.Start when stats_listen is set and stop in Node.Shutdown. C Dynomite
// aborts startup when the stats listener cannot bind; so does Start.

// LogLevel is the process's log verbosity on Dynomite's scale, 0 (EMERG) to
// 11 (PVERB). The command hands its own to the node so that /setloglevel,
// /loglevelup and /logleveldown change what is logged. Both methods may be
// called from any goroutine; SetLevel receives a value already in 0..11.
type LogLevel interface {
	Level() int
	SetLevel(level int)
}

var _ admin.Node = (*Node)(nil)

// adminState is the part of a Node that engine/admin reads and changes,
// plus the stats registry. Built by initAdmin, never replaced.
type adminState struct {
	state   atomic.Uint32 // admin.State of the local node
	rlevel  atomic.Uint32 // replica.Level new client connections read at
	wlevel  atomic.Uint32 // replica.Level new client connections write at
	factor  atomic.Int32  // timeout factor, 1..10
	repairs atomic.Bool   // read repairs enabled

	logLevel LogLevel     // the process's, or ownLevel's when not given
	ownLevel atomic.Int32 // used when Options.LogLevel is nil

	// seeds are the dyn_seeds entries, in configuration order, and
	// peerState[i] the state of seeds[i] (admin.State).
	seeds     []conf.Seed
	peerState []atomic.Uint32

	reg      *stats.Registry
	refused  atomic.Int64                     // requests refused at max_msgs
	bufsPeak atomic.Int64                     // most buffers in use seen by a snapshot
	statsOn  bool                             // request counters are updated
	shardSeq atomic.Uint64                    // round robin of connections over shards
	families map[*resp.Command]tally.Families // redis_req_* of each command
	ping     *resp.Command                    // not counted in client_read_requests
	getenv   func(string) string              // Options.Getenv; nil: no variable is set

	mu     sync.Mutex // guards srv and cancel
	srv    *admin.Server
	cancel context.CancelFunc
	aggr   chan struct{} // closed when the aggregator has returned
}

// ownLogLevel is the LogLevel of a node built without one.
type ownLogLevel struct{ v *atomic.Int32 }

func (l ownLogLevel) Level() int     { return int(l.v.Load()) }
func (l ownLogLevel) SetLevel(v int) { l.v.Store(int32(v)) }

// initAdmin fills n.adm from the configuration and options. It opens
// nothing.
func (n *Node) initAdmin(o Options) {
	a := &n.adm
	p := &o.Config.Pool
	a.rlevel.Store(uint32(parseLevel(p.ReadConsistency)))
	a.wlevel.Store(uint32(parseLevel(p.WriteConsistency)))
	a.factor.Store(1)
	a.repairs.Store(p.ReadRepairsEnabled)
	// docs/compat.md §6.1: INIT, then JOINING once the listeners are up, then NORMAL
	// at once when gossip is off. Nothing can observe the node before
	// Start, so a node without gossip is NORMAL from the start (in-process
	// rigs that never call Start are served too); see enterService.
	a.state.Store(uint32(admin.Normal))
	if p.EnableGossip {
		a.state.Store(uint32(admin.Init))
	}
	a.getenv = o.Getenv
	a.logLevel = o.LogLevel
	if a.logLevel == nil {
		a.ownLevel.Store(5) // NOTICE, the -v default
		a.logLevel = ownLogLevel{&a.ownLevel}
	}
	a.seeds = p.DynSeeds
	a.peerState = make([]atomic.Uint32, len(p.DynSeeds))
	for i := range a.peerState {
		a.peerState[i].Store(uint32(admin.Down)) // docs/compat.md §6.1: peers start DOWN
	}
	host, _ := os.Hostname()
	server := ""
	if len(p.Servers) > 0 {
		server = p.Servers[0].Name
	}
	a.reg = stats.New(stats.Config{
		Pool:     o.Config.PoolName,
		Server:   server,
		Source:   host,
		Version:  o.Version,
		Rack:     p.Rack,
		DC:       p.Datacenter,
		Interval: p.StatsInterval,
	})
	a.statsOn = !o.noStats && !statsBuiltOff
	a.reg.SetSource(n.statsSource)
	if p.DataStore == 0 {
		a.families = tally.RedisFamilies()
	}
	a.ping = resp.Lookup([]byte("ping"))
}

// parseLevel parses a validated consistency name; DC_ONE when empty.
func parseLevel(s string) replica.Level {
	if l, ok := replica.ParseLevel(s); ok {
		return l
	}
	return replica.DCOne
}

// startAdmin starts the stats aggregator and the admin endpoint on
// stats_listen. A node whose configuration has no stats address (in-process
// tests build such configurations; conf.Load always fills the default)
// serves no endpoint. A listener that cannot bind fails Start, as in C
// Dynomite.
func (n *Node) startAdmin() error {
	a := &n.adm
	addr := n.cfg.Pool.StatsListen
	if addr.IsZero() {
		return nil
	}
	if addr.Network != "tcp" {
		return fmt.Errorf("cannot serve stats on %s: stats_listen must be host:port", addr.String())
	}
	srv := admin.New(addr.String(), n, a.reg, n.log)
	n.useStatsTLS(srv)
	if err := srv.Start(); err != nil {
		return fmt.Errorf("cannot listen for stats on %s: %w", addr.String(), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.reg.Run(ctx)
	}()
	a.mu.Lock()
	a.srv, a.cancel, a.aggr = srv, cancel, done
	a.mu.Unlock()
	n.log.Info("serving stats", "stats_listen", srv.Addr().String())
	return nil
}

// enterService moves the node to NORMAL once its listeners are up (docs/compat.md
// §6.1: INIT -> JOINING -> NORMAL at once when gossip is off). With gossip
// on, it stays JOINING until gossip hears from the cluster or finds the
// node alone (engine/cluster, gossip.go).
func (n *Node) enterService() {
	if n.cluster.live.Joining() {
		n.adm.state.CompareAndSwap(uint32(admin.Init), uint32(admin.Joining))
		return // the seed provider's first list makes it NORMAL (cluster.Live)
	}
	n.adm.state.CompareAndSwap(uint32(admin.Init), uint32(admin.Joining))
	n.adm.state.CompareAndSwap(uint32(admin.Joining), uint32(admin.Normal))
}

// stopAdmin closes the endpoint and stops the aggregator. It is safe to
// call on a node whose endpoint never started, and more than once.
func (n *Node) stopAdmin() {
	a := &n.adm
	a.mu.Lock()
	srv, cancel, done := a.srv, a.cancel, a.aggr
	a.srv, a.cancel, a.aggr = nil, nil, nil
	a.mu.Unlock()
	if srv == nil {
		return
	}
	if err := srv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		n.log.Warn("cannot close the stats endpoint", "err", err)
	}
	cancel()
	<-done
}

// StatsAddr is the address the stats endpoint listens on; nil when it is
// not serving.
func (n *Node) StatsAddr() net.Addr {
	n.adm.mu.Lock()
	defer n.adm.mu.Unlock()
	if n.adm.srv == nil {
		return nil
	}
	return n.adm.srv.Addr()
}

// Stats returns the node's stats registry. It is never nil.
func (n *Node) Stats() *stats.Registry { return n.adm.reg }

// requestTimeout is the datastore request timeout times the timeout
// factor; 0 when timeouts are off.
func (n *Node) requestTimeout() time.Duration {
	return n.timeout * time.Duration(n.adm.factor.Load())
}

// Consistency returns the levels new client connections get (admin.Node).
func (n *Node) Consistency() (read, write replica.Level) {
	return replica.Level(n.adm.rlevel.Load()), replica.Level(n.adm.wlevel.Load())
}

// SetConsistency changes the read or write level of connections accepted
// from now on (admin.Node).
func (n *Node) SetConsistency(read bool, l replica.Level) {
	if read {
		n.adm.rlevel.Store(uint32(l))
	} else {
		n.adm.wlevel.Store(uint32(l))
	}
}

// State returns the local node's state (admin.Node).
func (n *Node) State() admin.State { return admin.State(n.adm.state.Load()) }

// SetState sets the local node's state (admin.Node); requests to the local
// datastore are gated on it from the next one on.
func (n *Node) SetState(s admin.State) { n.adm.state.Store(uint32(s)) }

// LogLevel returns the log verbosity, 0..11 (admin.Node).
func (n *Node) LogLevel() int { return n.adm.logLevel.Level() }

// SetLogLevel sets the log verbosity (admin.Node).
func (n *Node) SetLogLevel(level int) { n.adm.logLevel.SetLevel(level) }

// TimeoutFactor returns the datastore timeout multiplier (admin.Node).
func (n *Node) TimeoutFactor() int { return int(n.adm.factor.Load()) }

// SetTimeoutFactor sets the multiplier, 1..10 (admin.Node). Requests
// written to a datastore from now on get the new timeout.
func (n *Node) SetTimeoutFactor(f int) { n.adm.factor.Store(int32(min(max(f, 1), 10))) }

// ReadRepairs reports whether read repair is enabled (admin.Node).
func (n *Node) ReadRepairs() bool { return n.adm.repairs.Load() }

// SetReadRepairs enables or disables read repair (admin.Node).
func (n *Node) SetReadRepairs(on bool) { n.adm.repairs.Store(on) }

// SetPeerState sets the state of every dyn_seeds peer whose host (as
// written, or its IP when it is one) equals name, or of every peer for
// admin.AllPeers, and returns how many it changed (admin.Node). The local
// node is never one of them.
func (n *Node) SetPeerState(name string, s admin.State) int { return n.setPeerState(name, s) }

// Topology returns the live ring, this node first, as datacenters, racks
// and servers for /cluster_describe (admin.Node; membership_node.go).
func (n *Node) Topology() admin.Topology { return n.liveTopology() }

// localPeer describes this node: its name and host follow C Dynomite's
// environment variables as Options.Getenv reports them, then the
// dyn_listen host and the host name.
func (n *Node) localPeer() admin.Peer {
	p := &n.cfg.Pool
	host, _ := os.Hostname()
	name := n.firstEnv("EC2_PUBLIC_IPV4", "PUBLIC_IPV4")
	if name == "" {
		name = p.DynListen.Host
	}
	if h := n.broadcastHost(); h != "" {
		host = h
	}
	return admin.Peer{
		Name:  name,
		Host:  host,
		Port:  p.DynListen.Port,
		Token: firstToken(p.Tokens),
		Local: true,
		State: n.State(),
	}
}

// firstEnv returns the first of keys Options.Getenv reports as set, or ""
// when there is no Getenv or none is set.
func (n *Node) firstEnv(keys ...string) string {
	if n.adm.getenv == nil {
		return ""
	}
	for _, k := range keys {
		if v := n.adm.getenv(k); v != "" {
			return v
		}
	}
	return ""
}

func firstToken(t []uint32) uint32 {
	if len(t) == 0 {
		return 0
	}
	return t[0]
}
