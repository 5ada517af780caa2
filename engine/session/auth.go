package session

import (
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/secure"
)

// Replies of AUTH beyond engine/secure's, Redis 7.0's texts.
var (
	// ReplyAuthNoPassword answers AUTH <password> on a node without
	// requirepass or users.
	ReplyAuthNoPassword = []byte("-ERR AUTH <password> called without any password configured for the default user. " +
		"Are you sure your configuration is correct?\r\n")
	// ReplySyntax answers AUTH with more than two arguments.
	ReplySyntax = []byte("-ERR syntax error\r\n")
)

var defaultUser = []byte(conf.DefaultUser)

// auth answers AUTH [user] pass.
func (s *State) auth(e *Env, args [][]byte, now int64, dst []byte) []byte {
	switch len(args) {
	case 2:
		if e.Users == nil {
			return append(dst, ReplyAuthNoPassword...)
		}
		return s.login(e, defaultUser, args[1], now, dst)
	case 3:
		return s.login(e, args[1], args[2], now, dst)
	}
	return append(dst, ReplySyntax...)
}

// login checks user and pass and appends +OK or the refusal.
func (s *State) login(e *Env, user, pass []byte, now int64, dst []byte) []byte {
	if !s.check(e, user, pass, now) {
		return append(dst, secure.ReplyWrongPass...)
	}
	return append(dst, resp.ReplyOK...)
}

// check authenticates the connection as user, or counts a failure.
// Failures are slowed by the connection's limiter: while it holds, every
// attempt is refused unchecked. With no users configured the default user
// takes any password (Redis's "nopass") and every other name fails.
func (s *State) check(e *Env, user, pass []byte, now int64) bool {
	if e.Users == nil {
		if string(user) == conf.DefaultUser {
			return true
		}
		e.AuthFailures.Add(1)
		return false
	}
	if !s.lim.Allow(now) {
		e.AuthFailures.Add(1)
		return false
	}
	u := e.Users.Authenticate(user, pass)
	if u == nil {
		s.lim.Fail(now)
		e.AuthFailures.Add(1)
		return false
	}
	s.lim.Succeed()
	s.user, s.authed = u, true
	return true
}

// Failures is the connection's failed AUTH attempts since its last
// success (what its limiter counts).
func (s *State) Failures() uint32 { return s.lim.Failures() }

// Assume authenticates the connection as user without a password: the
// user of a client tunnel, whom the peer node authenticated. With no
// users configured only the default user exists. False when this node
// has no such user (the connection is left as it was).
func (s *State) Assume(e *Env, user []byte) bool {
	if e == nil || e.Users == nil {
		if string(user) != conf.DefaultUser {
			return false
		}
		s.user, s.authed = nil, true
		return true
	}
	u := e.Users.Lookup(user)
	if u == nil {
		return false
	}
	s.user, s.authed = u, true
	return true
}
