package dedicated

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/batch"
	"github.com/dynomite-go/dynomite/engine/outbound"
)

// Client is what a session uses of the client connection that owns it
// (an inbound.Conn).
type Client interface {
	// Idle reports whether every earlier request has been answered.
	Idle() bool
	// Relay appends b to the client's output and flushes it; false
	// when the client is closed or its unsent bytes would pass max.
	Relay(b []byte, max int) bool
	// DedicatedReply appends r to dst in the client's protocol.
	DedicatedReply(dst, r []byte, pushed, subscribed bool) []byte
	// FailLater closes the client once its output is written.
	FailLater()
	// Muted reports whether the reply of the request being handled must
	// be dropped (CLIENT REPLY OFF or SKIP). Input side.
	Muted() bool
}

// Limits bound what dedicated connections may hold.
type Limits struct {
	// MaxConns bounds the sessions open at once in a node; a client past
	// it gets ReplyTooMany.
	MaxConns int
	// MaxOutput bounds the unsent bytes of a client with a session (a
	// subscriber that does not read); past it the client is closed.
	MaxOutput int
	// MaxBacklog bounds the bytes a client sends that its dedicated
	// connection has not written yet; past it the client is closed.
	MaxBacklog int
	// MaxQueued bounds the commands queued in one transaction, MaxTxBytes
	// the bytes of its writes kept for replication; past either the
	// command is refused and EXEC aborts.
	MaxQueued, MaxTxBytes int
	// Spares is the number of connections to the local datastore kept
	// dialled ahead of need (spare.go); 0 disables them.
	Spares int
}

// DefaultLimits are a node's limits unless it sets others.
var DefaultLimits = Limits{
	MaxConns:   10000,
	MaxOutput:  8 << 20,
	MaxBacklog: 4 << 20,
	MaxQueued:  100000,
	MaxTxBytes: 16 << 20,
	Spares:     2,
}

// idleWait bounds how long a new session waits for the client's earlier
// requests before dialling anyway.
const idleWait = 10 * time.Second

// Env is what the sessions of a node use of it. The node fills it once,
// calls Init, and only reads it afterwards.
type Env struct {
	Out *outbound.Env
	Log *slog.Logger
	// Network and Addr are the local datastore's.
	Network, Addr string
	Limits        Limits
	// Replicate sends frame, a write whose first key is key, to the owner
	// of key in every other rack (and DC); it runs on a dedicated
	// connection's poller, whose batch b writes what it queues. frame and
	// key are valid until it returns.
	Replicate func(frame, key []byte, b *batch.Batch)

	open atomic.Int64
	cmds commands
	pool spares
}

// Init completes e once its fields are set. It starts nothing: Start does.
func (e *Env) Init() {
	e.cmds.init()
}

// Start starts keeping Limits.Spares spare connections (closed when the
// node shuts down). Call it once, when the node starts serving: e and
// the outbound Env it dials through must not change after it.
func (e *Env) Start() {
	e.startKeeper()
}

// Reset is RESET's entry of the command table, which a session serves.
func (e *Env) Reset() *resp.Command { return e.cmds.reset }

// TxCommands are MULTI's, EXEC's and DISCARD's entries of the command
// table.
func (e *Env) TxCommands() (multi, exec, discard *resp.Command) {
	return e.cmds.multi, e.cmds.exec, e.cmds.discard
}

// Sessions is the number of sessions open.
func (e *Env) Sessions() int64 { return e.open.Load() }

// Session is one client's dedicated datastore connection and the state
// it follows.
type Session struct {
	env *Env
	c   Client
	// dial, for a session on a peer's client tunnel, dials it; nil for
	// the local datastore. addr names the far end in logs.
	dial Dialer
	addr string
	// Owner is the node, in the local rack, whose datastore the session
	// runs on (the node's index; the node sets and reads it).
	Owner int

	mu      sync.Mutex
	conn    *outbound.Conn // nil until dialled
	backlog []byte         // requests sent before the dial completed
	done    bool           // closed or ended: the connection is (being) closed
	eager   bool           // the next send writes at once, not at the batch's end
	ended   atomic.Bool    // ended with the client still there

	expect     int    // counted replies outstanding (every request but the subscribe family)
	sent, recv uint64 // counted requests sent, counted replies received
	fixes      []fixup
	subs       subState
	multi      bool
	watch      bool
	tx         txState

	sc    resp.ReplyScanner
	rd    resp.ArrayReader
	carry []byte
	out   []byte // what one read delivers
	wbuf  []byte // replication frames
}

// Open starts a session for client c. When every earlier request of c is
// answered and a spare connection is ready, the session takes it at once,
// so the requests given to it next are written in the caller's batch;
// otherwise the connection comes on a goroutine of its own once c's
// earlier requests are answered, and requests wait in the backlog.
// ErrTooMany past Limits.MaxConns.
func (e *Env) Open(c Client) (*Session, error) {
	if e.open.Add(1) > int64(e.Limits.MaxConns) {
		e.open.Add(-1)
		return nil, ErrTooMany
	}
	s := &Session{env: e, c: c, addr: e.Addr}
	s.sc.Limits = resp.DefaultLimits
	if c.Idle() {
		if conn := e.takeSpare(s); conn != nil {
			s.mu.Lock()
			s.attach(conn)
			s.eager = true
			s.mu.Unlock()
			return s, nil
		}
	}
	go s.connect()
	return s, nil
}

// Dialer dials a client tunnel (outbound.Env.DialTunnel) whose bytes go
// to tunnel and whose close runs closed.
type Dialer func(tunnel func(b []byte, bt *batch.Batch), closed func()) (*outbound.Conn, error)

// OpenTunnel starts a session for client c on a client tunnel to a peer
// of the local rack, named addr, that dial opens: the peer serves the
// client's requests as its own client's, and replicates what they change
// itself, so the session replicates nothing. The tunnel is dialled on a
// goroutine of its own once c's earlier requests are answered; requests
// wait in the backlog meanwhile. ErrTooMany past Limits.MaxConns.
func (e *Env) OpenTunnel(c Client, addr string, dial Dialer) (*Session, error) {
	if e.open.Add(1) > int64(e.Limits.MaxConns) {
		e.open.Add(-1)
		return nil, ErrTooMany
	}
	s := &Session{env: e, c: c, dial: dial, addr: addr}
	s.sc.Limits = resp.DefaultLimits
	go s.connect()
	return s, nil
}

// Begin sends MULTI, which the node has answered already, ahead of the
// client's first request: the session opens inside a transaction and
// MULTI's reply is dropped. Call it right after opening, before Request.
// Input side.
func (s *Session) Begin(b *batch.Batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	s.multi = true
	s.tx.reset()
	s.count(fixup{kind: fixDrop})
	s.send(multiReq, b)
}

var multiReq = resp.AppendCommand(nil, []byte("MULTI"))

// attach makes conn the session's connection and sends the backlog.
// Callers hold mu.
func (s *Session) attach(conn *outbound.Conn) {
	if s.done {
		conn.CloseLater()
		return
	}
	s.conn = conn
	if len(s.backlog) > 0 && !conn.Send(s.backlog, s.env.Limits.MaxBacklog, nil) {
		s.fail(ReplyBacklog)
	}
	s.backlog = nil
}

// Ended reports whether the session ended on its own (no state left):
// the client's next request goes the ordinary way. Input side.
func (s *Session) Ended() bool { return s.ended.Load() }

// Close ends the session when its client goes away, closing its
// connection. Idempotent.
func (s *Session) Close() {
	s.mu.Lock()
	s.end()
	s.mu.Unlock()
}

// end releases the session (its count among the open ones) and closes its
// connection, once.
// Callers hold mu.
func (s *Session) end() {
	if s.done {
		return
	}
	s.done = true
	s.env.open.Add(-1)
	if s.conn != nil {
		s.conn.CloseLater()
	}
	s.backlog, s.carry, s.fixes = nil, nil, nil
	s.tx.reset()
}

// fail closes the client after reply. Callers hold mu.
func (s *Session) fail(reply []byte) {
	if s.done {
		return
	}
	s.end()
	s.c.Relay(reply, 1<<62)
	s.c.FailLater()
}

// connect waits until the client's earlier requests are answered, takes a
// spare connection or dials one, and sends what the client queued
// meanwhile.
func (s *Session) connect() {
	wait := 50 * time.Microsecond
	for end := time.Now().Add(idleWait); !s.c.Idle() && time.Now().Before(end); {
		if s.isDone() {
			return
		}
		time.Sleep(wait)
		wait = min(2*wait, 5*time.Millisecond)
	}
	if s.isDone() || s.env.Out.Closing.Load() {
		s.Close()
		return
	}
	var conn *outbound.Conn
	var err error
	switch {
	case s.dial != nil:
		conn, err = s.dial(s.tunnel, s.lost)
	default:
		if conn = s.env.takeSpare(s); conn == nil {
			conn, err = s.env.Out.DialDedicated(s.env.Network, s.env.Addr, s.tunnel, s.lost)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.env.Log.Warn("cannot dial a dedicated connection", "server", s.addr, "err", err)
		s.fail(ReplyDedicatedLost)
		return
	}
	s.attach(conn)
}

func (s *Session) isDone() bool {
	s.mu.Lock()
	d := s.done
	s.mu.Unlock()
	return d
}

// lost runs once the dedicated connection closed.
func (s *Session) lost() {
	s.mu.Lock()
	s.fail(ReplyDedicatedLost)
	s.mu.Unlock()
}

// send queues frame toward the datastore. Callers hold mu.
func (s *Session) send(frame []byte, b *batch.Batch) {
	lim := s.env.Limits.MaxBacklog
	if s.conn == nil {
		if len(s.backlog)+len(frame) > lim {
			s.fail(ReplyBacklog)
			return
		}
		s.backlog = append(s.backlog, frame...)
		return
	}
	if s.eager {
		s.eager, b = false, nil
	}
	if !s.conn.Send(frame, lim, b) {
		s.fail(ReplyBacklog)
	}
}

// Refuse answers the request being handled with reply, in order with
// the replies the session delivers; inside MULTI it aborts the
// transaction as Redis does for a command it cannot queue. Input side.
// False when the session has ended meanwhile: the caller answers the
// request the ordinary way.
func (s *Session) Refuse(reply []byte, b *batch.Batch) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return !s.ended.Load()
	}
	s.refuse(reply, b)
	return true
}

// refuse is Refuse with mu held.
func (s *Session) refuse(reply []byte, b *batch.Batch) {
	s.count(fixup{kind: fixReplace, data: reply, mute: s.c.Muted()})
	s.send(placeholder, b)
}

// count records one more counted request, and what to do with its reply
// unless f.kind is fixNone. Callers hold mu.
func (s *Session) count(f fixup) {
	s.sent++
	s.expect++
	if f.kind != fixNone || f.mute {
		f.seq = s.sent
		s.fixes = append(s.fixes, f)
	}
}

// Request sends the client's request cmd (args, frame as parsed; valid
// until Request returns) on the session's connection, following the state
// it changes. b is the client's input batch. Input side. False when the
// session has ended meanwhile: the caller sends the request the ordinary
// way.
func (s *Session) Request(cmd *resp.Command, args [][]byte, frame []byte, b *batch.Batch) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return !s.ended.Load()
	}
	cs := &s.env.cmds
	if k, unsub, ok := cs.subKind(cmd); ok {
		s.subs.queue(k, unsub, len(args)-1)
		s.send(frame, b)
		return true
	}
	f := fixup{}
	switch cmd {
	case cs.multi:
		if !s.multi {
			s.multi = true
			s.tx.reset()
		}
	case cs.exec:
		if s.multi && s.dial == nil {
			f = s.tx.take(s.env.Limits)
		}
		s.multi, s.watch = false, false
		s.tx.reset()
	case cs.discard:
		if s.multi {
			s.multi, s.watch = false, false
		}
		s.tx.reset()
	case cs.watch:
		s.watch = s.watch || !s.multi
	case cs.unwatch:
		if !s.multi {
			s.watch = false
		}
	case cs.reset:
		s.reset(frame, b)
		return true
	default:
		if s.multi {
			if s.dial == nil && !s.tx.add(cmd, args, s.env.Limits) {
				s.refuse(ReplyTxTooLong, b)
				return true
			}
		} else if s.dial == nil && cmd.Blocks(args) {
			f = popFixup(args)
		}
	}
	f.mute = s.c.Muted()
	s.count(f)
	s.send(frame, b)
	return true
}

// reset sends RESET: the datastore discards the connection's
// transaction, watched keys and subscriptions (without confirmations) and
// answers +RESET; it also forgets the node's AUTH, which is sent again
// and its reply kept from the client. Callers hold mu.
func (s *Session) reset(frame []byte, b *batch.Batch) {
	s.multi, s.watch = false, false
	s.tx.reset()
	s.count(fixup{kind: fixReset})
	s.send(frame, b)
	if auth := s.env.Out.DatastoreAuth; len(auth) > 0 && s.dial == nil {
		s.count(fixup{kind: fixDrop})
		s.send(auth, b)
	}
}

// Answer gives the client reply, made by the node for the request being
// handled (a connection command such as CLIENT SETNAME or SELECT 0, or a
// refusal), in order with the session's replies. Inside MULTI, where
// Redis would queue the command, an error reply aborts the transaction
// and any other reply is replaced by ReplyNotInMulti (which aborts it
// too): the node cannot run its own commands inside the datastore's
// transaction. Input side. False when the session has ended meanwhile.
func (s *Session) Answer(reply []byte, b *batch.Batch) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return !s.ended.Load()
	}
	if s.multi && (len(reply) == 0 || reply[0] != '-') {
		reply = ReplyNotInMulti
	}
	s.refuse(reply, b)
	return true
}

// InTx reports whether the client is inside MULTI or watches keys.
// Input side.
func (s *Session) InTx() bool {
	s.mu.Lock()
	in := s.multi || s.watch
	s.mu.Unlock()
	return in
}
