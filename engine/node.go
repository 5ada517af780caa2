package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/bufpool"
	"github.com/dynomite-go/dynomite/engine/converge"
	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/dedicated"
	"github.com/dynomite-go/dynomite/engine/inbound"
	"github.com/dynomite-go/dynomite/engine/msg"
	"github.com/dynomite-go/dynomite/engine/outbound"
	"github.com/dynomite-go/dynomite/engine/route"
	"github.com/dynomite-go/dynomite/engine/sock"
)

// Options configures a Node.
type Options struct {
	// Config is the validated configuration; required.
	Config *conf.Config
	// Logger receives lifecycle events (Info and above) and per-request
	// diagnostics (Debug). nil discards everything.
	Logger *slog.Logger
	// AdminMode is the -x flag. When > 0, DEL runs on the local datastore
	// only for keys this node owns in its rack (admin_mode.go).
	AdminMode int
	// Pollers is the number of netpoll pollers; 0 picks the default (see
	// pollers in netpoll.go). netpoll's configuration is process-wide:
	// only the first New of a process sets it, and a later node runs
	// under that first configuration (sock.ConfigureNetpoll).
	Pollers int
	// Spin bounds the busy-poll a poller makes before it sleeps (engine/core, spin.go):
	// 0 picks the default (60 µs), a negative value turns it off. It has
	// no effect where the engine cannot busy-poll (systems other than
	// Linux, or a build with the portable tag). The dynomite command sets
	// it from DYNOMITE_SPIN_US; the engine reads no environment variable.
	Spin time.Duration
	// Park bounds how long a poller waits on its own epoll instance at the
	// end of a callback instead of returning to netpoll's loop (engine/core,
	// park.go), in whole milliseconds: 0 picks the default (2 ms), a
	// negative value turns it off. Only a node running fewer pollers than
	// GOMAXPROCS parks (a node with peers, as the dynomite command runs
	// one), and only where it can busy-poll. The dynomite command sets it
	// from DYNOMITE_PARK_MS.
	Park time.Duration
	// LogLevel is the process's log verbosity, changed by the stats
	// endpoint (/setloglevel); nil keeps a level that changes nothing.
	LogLevel LogLevel
	// Version is reported as "version" by /info.
	Version string
	// Getenv looks up the environment variables C Dynomite names the node
	// by in /cluster_describe (EC2_PUBLIC_IPV4, PUBLIC_IPV4,
	// EC2_PUBLIC_HOSTNAME, PUBLIC_HOSTNAME); "" means unset, and nil means
	// none is set. It is called from the stats endpoint's goroutines. The
	// dynomite command passes os.Getenv; the engine reads no environment
	// variable itself.
	Getenv func(key string) string
	// Membership tunes the seed provider and ring changes
	// (membership_node.go); the zero value is C Dynomite's behaviour.
	Membership MembershipOptions
	// noStats turns the request counters off (stats on/off benchmarks).
	noStats bool
}

// Bounds not set by the configuration (see doc.go, "Memory").
const (
	// maxPipeline bounds one client's pending requests; past it the
	// client's input is left unparsed until half of them are answered.
	maxPipeline = 32
	// unsentChunks × mbuf_size bounds one client's unsent reply bytes
	// (4 MiB at the default 16 KiB); past it the input side pauses.
	unsentChunks = 256
	// pausedInputChunks × mbuf_size bounds the input a paused client may
	// send before it is told off and closed (64 MiB at the default), so a
	// client that writes without reading cannot grow memory without end.
	pausedInputChunks = 4096
	// keepChunks × mbuf_size is the largest buffer a server connection
	// keeps for its next batch instead of returning it to the pool.
	keepChunks = 64
)

// Node is one dynomite-go node: the client listener, the datastore
// connections and every client connection. Its methods may be called from
// any goroutine.
type Node struct {
	// env is what the connections' socket cores use of the node: the
	// buffer pool, the clock's epoch, the msgs in flight and the busy-poll
	// policy (engine/core).
	env       core.Env
	poll      sock.NetpollConfig // the netpoll configuration it runs under
	log       *slog.Logger
	cfg       *conf.Config
	adminMode int

	timeout        time.Duration // per datastore request; 0 disables
	dialTimeout    time.Duration
	retryCap       time.Duration
	maxMsgs        int64
	maxPipeline    int
	maxUnsent      int
	maxPausedInput int
	keepCap        int

	sends    *atomic.Int64 // batches written to datastores
	timeouts atomic.Int64  // datastore connections closed on a timeout
	closing  atomic.Bool
	nextID   atomic.Uint64

	rt route.Router // the router: protocol, dispatch, fan-out (engine/route)

	links []*outbound.Link
	// links3 are RESP3 twins of links, dialled when a client first says
	// HELLO 3 or a RESP3 client's request first needs one (Redis only).
	links3 []*outbound.Link
	out    outbound.Env // what the dialled connections use of the node (engine/outbound)

	mu        sync.Mutex
	started   bool
	ln        netpoll.Listener
	evl       netpoll.EventLoop
	serveDone chan struct{}
	clients   map[*accepted]struct{}

	wg sync.WaitGroup // writer goroutines

	msgs msg.Pool // of msgs (engine/msg)

	in inbound.Env // what the accepted connections use of the node (engine/inbound)

	ded dedicated.Env // clients' dedicated datastore connections (dedicated_node.go)

	cluster nodeCluster // ring, peers and peer listener (peer.go, engine/cluster)

	adm adminState // stats endpoint, node state, stats (admin_node.go)

	sec  nodeSecure           // TLS blocks (secure_node.go)
	conv converge.Convergence // hinted handoff, warm-up, repair (engine/converge)
}

// New builds a node from a validated configuration. It opens nothing; Start
// does. New configures netpoll for the process on its first call
// (sock.ConfigureNetpoll); every node owns its pools, counters and spin
// setting, so nodes of one process are independent otherwise.
func New(o Options) (*Node, error) {
	if o.Config == nil {
		return nil, errors.New("engine: nil Config")
	}
	p := &o.Config.Pool
	if len(p.Servers) == 0 {
		return nil, ErrNoServer
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mbuf := p.MbufSize
	if mbuf <= 0 {
		mbuf = 16384
	}
	maxMsgs := p.MaxMsgs
	if maxMsgs <= 0 {
		maxMsgs = 200000
	}
	want := sock.NetpollConfig{Pollers: o.Pollers, BufferSize: mbuf}
	if want.Pollers <= 0 {
		want.Pollers = pollers()
	}
	poll := sock.ConfigureNetpoll(want)
	if o.Pollers > 0 && o.Pollers != poll.Pollers {
		log.Warn("netpoll was configured by an earlier node of the process; keeping its pollers",
			"pollers", poll.Pollers, "asked", o.Pollers)
	}
	n := &Node{
		poll:           poll,
		log:            log,
		cfg:            o.Config,
		adminMode:      o.AdminMode,
		timeout:        p.Timeout,
		dialTimeout:    dialTimeout(p.Timeout),
		retryCap:       p.ServerRetryTimeout,
		maxMsgs:        int64(maxMsgs),
		maxPipeline:    maxPipeline,
		maxUnsent:      unsentChunks * mbuf,
		maxPausedInput: pausedInputChunks * mbuf,
		keepCap:        keepChunks * mbuf,
		sends:          paddedCounter(),
		clients:        make(map[*accepted]struct{}),
		env:            core.Env{Epoch: time.Now(), Inflight: paddedCounter(), Bufs: new(bufpool.Pool)},
	}
	n.env.Spin.Init(o.Spin, poll)
	n.env.Park.Init(o.Park, poll)
	n.rt.Init(p.DataStore)
	n.out = outbound.Env{
		Core: &n.env, Log: log, WG: &n.wg, Closing: &n.closing,
		Sends: n.sends, Timeouts: &n.timeouts,
		PeerTimeouts: &n.cluster.peerStats.Timeouts, Mismatch: &n.cluster.peerStats.Mismatch,
		KeepCap: n.keepCap, DialTimeout: n.dialTimeout, RetryCap: n.retryCap, Timeout: n.timeout,
		RequestTimeout: n.requestTimeout, TimeoutFactor: n.TimeoutFactor,
		Memcache: n.rt.Memcache(), MCLimits: n.rt.MCLimits(),
		Shard: n.statsShard, Owner: n.statsOwner, ClientStats: n.clientStats,
	}
	n.out.Init()
	if err := n.initSecure(); err != nil {
		return nil, err
	}
	n.msgs.Bufs = n.env.Bufs
	conns := p.DatastoreConnections
	if conns <= 0 {
		conns = 1
	}
	srv := p.Servers[0].Addr
	for i := 0; i < conns; i++ {
		n.links = append(n.links, outbound.NewLink(&n.out, i, srv.Network, srv.String()))
		if !n.rt.Memcache() {
			lk := outbound.NewLink(&n.out, i, srv.Network, srv.String())
			lk.RESP3 = true
			lk.Lazy.Store(true)
			n.links3 = append(n.links3, lk)
		}
	}
	n.initAdmin(o)
	n.initInbound()
	n.initDedicated()
	if err := n.initCluster(o.Membership); err != nil {
		return nil, err
	}
	n.conv.Env = converge.Env{
		Log: log, Cfg: o.Config, DialTimeout: n.dialTimeout, Core: &n.env, Msgs: &n.msgs,
		Topo: &n.cluster.topo, State: &n.adm.state, Closing: &n.closing, Memcache: n.rt.Memcache(),
	}
	if err := n.conv.Init(); err != nil {
		return nil, err
	}
	n.initRouter()
	return n, nil
}

func dialTimeout(t time.Duration) time.Duration {
	if t <= 0 || t > 5*time.Second {
		return 5 * time.Second
	}
	return t
}

// Start connects the datastore connections (a failure is logged and retried
// with back-off, it does not fail Start), binds the client listener and
// returns once clients are being accepted.
func (n *Node) Start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.started {
		return ErrStarted
	}
	if err := n.startAdmin(); err != nil {
		return err
	}
	listen := n.cfg.Pool.Listen
	if listen.Network == "unix" {
		removeStaleSocket(listen.Path)
	}
	ln, err := n.listenClients(listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", listen.String(), err)
	}
	for _, lk := range n.links {
		lk.Start()
	}
	n.ded.Start()
	evl, err := netpoll.NewEventLoop(n.onClientRequest, netpoll.WithOnPrepare(n.onClientPrepare))
	if err != nil {
		ln.Close()
		return fmt.Errorf("cannot create event loop: %w", err)
	}
	n.ln, n.evl, n.started = ln, evl, true
	n.serveDone = make(chan struct{})
	go func() {
		defer close(n.serveDone)
		if err := evl.Serve(ln); err != nil && !n.closing.Load() {
			n.log.Error("client listener stopped", "err", err)
		}
	}()
	n.log.Info("serving clients", "listen", ln.Addr().String(), "datastore", n.links[0].Addr,
		"datastore_connections", len(n.links))
	if err := n.startPeers(); err != nil {
		return err
	}
	n.conv.Start()
	n.enterService()
	return nil
}

// removeStaleSocket removes a Unix socket file left by a previous process.
func removeStaleSocket(path string) {
	if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		_ = os.Remove(path)
	}
}

// ClientAddr is the address the client listener is bound to; nil before
// Start.
func (n *Node) ClientAddr() net.Addr {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ln == nil {
		return nil
	}
	return n.ln.Addr()
}

type clientKey struct{}

// onClientPrepare registers an accepted client before netpoll polls it.
func (n *Node) onClientPrepare(nc netpoll.Connection) context.Context {
	if n.sec.clientSide.Config != nil {
		return n.prepareTLS(nc, &n.sec.clientSide)
	}
	return n.prepareAccepted(nc, &n.in.Client)
}

// prepareAccepted registers an accepted connection of kind k (a client, or
// a peer on dyn_listen) before netpoll polls it.
func (n *Node) prepareAccepted(nc netpoll.Connection, k *inbound.Kind) context.Context {
	c := newAccepted(n, k, nc)
	if !n.register(c) {
		nc.Close()
		return context.Background()
	}
	_ = nc.AddCloseCallback(func(netpoll.Connection) error {
		c.OnClose()
		return nil
	})
	return context.WithValue(context.Background(), clientKey{}, c)
}

// register numbers c, an accepted connection, and adds it to the node's
// clients (its stats opened); false when the node is closing (the caller
// closes it).
func (n *Node) register(c *accepted) bool {
	c.ID = n.nextID.Add(1)
	c.Pin = int(c.ID % uint64(len(n.links)))
	n.mu.Lock()
	if n.closing.Load() {
		n.mu.Unlock()
		return false
	}
	n.clients[c] = struct{}{}
	n.mu.Unlock()
	if c.Kind.Client {
		n.env.Spin.Clients.Add(1)
	}
	c.Open()
	return true
}

// onClientRequest is netpoll's OnRequest for clients: it consumes all input.
func (n *Node) onClientRequest(ctx context.Context, nc netpoll.Connection) error {
	r := nc.Reader()
	c, ok := ctx.Value(clientKey{}).(*accepted)
	if !ok {
		if t, ok := ctx.Value(clientKey{}).(*inbound.TLSConn); ok {
			return t.OnRequest(nc)
		}
		_ = r.Skip(r.Len())
		go nc.Close() // never from its own callback (see closeLater)
		return nil
	}
	b, _ := r.Next(r.Len())
	c.OnInput(b)
	err := r.Release()
	c.AfterCallback(c.Kind.Client)
	return err
}

func (n *Node) removeClient(c *accepted) {
	n.mu.Lock()
	_, ok := n.clients[c]
	delete(n.clients, c)
	n.mu.Unlock()
	if ok && c.Kind.Client {
		n.env.Spin.Clients.Add(-1)
	}
}

// StartRepair starts a warm-up or a comparison (admin.Repairer).
func (n *Node) StartRepair(j admin.RepairJob) (admin.RepairStatus, error) {
	return n.conv.StartRepair(j)
}

// RepairStatus returns the current or last run (admin.Repairer).
func (n *Node) RepairStatus() admin.RepairStatus { return n.conv.RepairStatus() }

// ConvergenceStats returns the hint and repair counters (admin.Converger).
func (n *Node) ConvergenceStats() admin.ConvergenceStats { return n.conv.ConvergenceStats() }
