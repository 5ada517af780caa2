package session

import (
	"net"
	"sync/atomic"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/secure"
)

// The gate, for one valid request (arity and command checked):
//
//	AUTH, HELLO, SELECT, CLIENT SETNAME|GETNAME|ID|INFO ──▶ answered here
//	not authenticated (users configured) ──────────────▶ -NOAUTH (QUIT passes)
//	role of the user too low ──────────────────────────▶ -NOPERM
//	server administration (FlagAdminRefused) ──────────▶ refused, but for
//	                                                     an admin of `users`
//	anything else ─────────────────────────────────────▶ routed by the node

// Env is what every session of a node shares: the users and the counter
// of failed AUTH attempts. Built once by NewEnv; read-only afterwards.
type Env struct {
	// Users is nil when neither requirepass nor users is configured: no
	// authentication, every connection starts as the default user.
	Users *secure.Table
	// AuthFailures counts the failed AUTH attempts (wrong password, or
	// refused by a connection's limiter) of every connection.
	AuthFailures atomic.Int64

	// passAdmin: requirepass is set, so the default user's admin role
	// comes from requirepass, not from users; it does not unlock the
	// FlagAdminRefused commands.
	passAdmin bool
	// mask: the flags of the commands Gate must look at when no user is
	// configured.
	mask resp.Flag

	cmdAuth, cmdHello, cmdSelect                       *resp.Command
	cmdSetName, cmdGetName, cmdClientID, cmdClientInfo *resp.Command
}

// NewEnv builds the sessions' Env of a pool's configuration.
func NewEnv(p *conf.Pool) *Env {
	e := &Env{Users: secure.NewTable(p), passAdmin: p.Requirepass != ""}
	e.mask = resp.FlagAdminRefused | resp.FlagUnsupported
	lk := func(s ...string) *resp.Command {
		args := make([][]byte, len(s))
		for i := range s {
			args[i] = []byte(s[i])
		}
		return resp.LookupArgs(args)
	}
	e.cmdAuth, e.cmdHello, e.cmdSelect = lk("auth"), lk("hello"), lk("select")
	e.cmdSetName, e.cmdGetName = lk("client", "setname"), lk("client", "getname")
	e.cmdClientID, e.cmdClientInfo = lk("client", "id"), lk("client", "info")
	return e
}

// Conn is what a session reads of its connection, for CLIENT INFO.
type Conn interface {
	RemoteAddr() net.Addr
	LocalAddr() net.Addr
}

// Client identifies the connection of a request: its id in the node
// (CLIENT ID, HELLO's id), its socket (CLIENT INFO; may be nil) and the
// node's clock at the request (monotonic nanoseconds, for the limiter).
type Client struct {
	ID   uint64
	Conn Conn
	Now  int64
}

// State is one client connection's session. The zero value is a new
// connection: RESP2, not authenticated, no name.
type State struct {
	user   *secure.User // nil: not authenticated (or no users configured)
	authed bool         // AUTH succeeded (or none is needed: Env.Users nil)
	proto3 bool         // HELLO 3
	lim    secure.Limiter
	name   []byte // CLIENT SETNAME; a copy, owned by the State
	since  int64  // node clock of the first request, for CLIENT INFO age
}

// Proto is the protocol the client chose with HELLO: 2 or 3.
func (s *State) Proto() int {
	if s.proto3 {
		return 3
	}
	return 2
}

// User is the name of the connection's user: "default" before any AUTH
// or without users.
func (s *State) User() string {
	if s.user == nil {
		return conf.DefaultUser
	}
	return s.user.Name
}

// Name is the connection's name (CLIENT SETNAME); valid until the next
// SETNAME. Empty when unnamed.
func (s *State) Name() []byte { return s.name }

// Gate runs the session's part of req, a valid request (req.Validate
// passed) of client cl. It returns dst and false when the node must route
// req, or dst with the reply appended and true when the session answered
// it. It allocates nothing on a request it lets through.
func (s *State) Gate(e *Env, req *resp.Request, cl Client, dst []byte) ([]byte, bool) {
	cmd := req.Cmd
	if e == nil || (e.Users == nil && cmd.Flags&e.mask == 0) {
		return dst, false
	}
	if s.since == 0 {
		s.since = cl.Now
	}
	switch cmd {
	case e.cmdAuth:
		return s.auth(e, req.Args, cl.Now, dst), true
	case e.cmdHello:
		return s.hello(e, req.Args, cl, dst), true
	}
	if e.Users != nil && !s.authed {
		if cmd.Flags&resp.FlagNoAuth != 0 {
			return dst, false // QUIT
		}
		return append(dst, secure.ReplyNoAuth...), true
	}
	switch cmd {
	case e.cmdSelect:
		return appendSelect(dst, req.Args[1]), true
	case e.cmdSetName, e.cmdGetName, e.cmdClientID, e.cmdClientInfo:
		return s.client(e, cmd, req.Args, cl, dst), true
	}
	return s.allowed(e, cmd, dst)
}

// allowed applies the user's role and the refusal of administration
// commands.
func (s *State) allowed(e *Env, cmd *resp.Command, dst []byte) ([]byte, bool) {
	fl := cmd.Flags
	if e.Users != nil && s.user != nil {
		admin := fl&(resp.FlagAdmin|resp.FlagAdminRefused) != 0 ||
			fl&(resp.FlagClusterWide|resp.FlagWrite) == resp.FlagClusterWide|resp.FlagWrite
		write := fl&resp.FlagWrite != 0 || (fl&resp.FlagRead == 0 && len(cmd.KeySpecs) > 0)
		if !s.user.Role.Allows(write, admin) {
			return secure.AppendNoPerm(dst, []byte(cmd.Name)), true
		}
	}
	if fl&resp.FlagAdminRefused != 0 && !s.adminOfUsers(e) {
		return cmd.AppendAdminRefused(dst), true
	}
	return dst, false
}

// adminOfUsers reports a connection authenticated as an admin named in
// `users` (not the requirepass password).
func (s *State) adminOfUsers(e *Env) bool {
	if s.user == nil || s.user.Role != secure.Admin {
		return false
	}
	return !(e.passAdmin && s.user.Name == conf.DefaultUser)
}

// Reset returns s to a new connection's state, as RESET does: RESP2, no
// name, and not authenticated when users are configured (the default
// user otherwise). The AUTH limiter keeps its count.
func (s *State) Reset(e *Env) {
	s.user, s.proto3, s.name = nil, false, nil
	s.authed = e == nil || e.Users == nil
}
