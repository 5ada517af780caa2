package session

import (
	"strconv"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/secure"
)

// Replies of the connection commands the node answers itself.
var (
	// ReplyNotInteger answers SELECT with an argument that is not an
	// integer (Redis's text).
	ReplyNotInteger = []byte("-ERR value is not an integer or out of range\r\n")
	// ReplySelectRefused answers SELECT of a database other than 0: the
	// node serves database 0 only, on every datastore connection.
	ReplySelectRefused = []byte("-ERR DB index is out of range: the node serves database 0 only\r\n")
)

// hello answers HELLO [protover [AUTH user pass] [SETNAME name]] in the
// order redis-server 7.0 follows (resp.ParseHello).
func (s *State) hello(e *Env, args [][]byte, cl Client, dst []byte) []byte {
	var h resp.Hello
	out, ok := resp.ParseHello(dst, args, &h)
	if !ok {
		return out
	}
	if h.Auth && !s.check(e, h.User, h.Pass, cl.Now) {
		return append(dst, secure.ReplyWrongPass...)
	}
	if e.Users != nil && !s.authed {
		return append(dst, resp.ReplyHelloNoAuth...)
	}
	if h.SetName {
		s.setName(h.Name)
	}
	if h.Proto != 0 {
		s.proto3 = h.Proto == 3
	}
	r := resp.HelloReply{
		Server: "redis", Version: resp.RedisVersion, Proto: s.Proto(),
		ID: int64(cl.ID), Mode: "standalone", Role: "master",
	}
	return resp.AppendHelloReply(dst, &r)
}

// client answers CLIENT SETNAME, GETNAME, ID and INFO for the client's own
// connection.
func (s *State) client(e *Env, cmd *resp.Command, args [][]byte, cl Client, dst []byte) []byte {
	switch cmd {
	case e.cmdSetName:
		if !resp.ValidClientName(args[2]) {
			return append(dst, resp.ReplyBadClientName...)
		}
		s.setName(args[2])
		return append(dst, resp.ReplyOK...)
	case e.cmdGetName:
		if len(s.name) == 0 {
			return resp.AppendNull(dst, s.Proto())
		}
		return resp.AppendBulk(dst, s.name)
	case e.cmdClientID:
		return resp.AppendInt(dst, int64(cl.ID))
	}
	return resp.AppendVerbatim(dst, "txt", s.appendInfo(nil, cl), s.Proto())
}

// setName keeps a copy of name (empty: no name).
func (s *State) setName(name []byte) {
	s.name = append(s.name[:0], name...)
}

// appendInfo appends the CLIENT INFO line of the connection: Redis's
// fields, with the values the node knows (the node's own buffers are not
// Redis's, so the memory fields are 0).
func (s *State) appendInfo(dst []byte, cl Client) []byte {
	dst = append(dst, "id="...)
	dst = strconv.AppendUint(dst, cl.ID, 10)
	dst = append(dst, " addr="...)
	if cl.Conn != nil {
		if a := cl.Conn.RemoteAddr(); a != nil {
			dst = append(dst, a.String()...)
		}
		dst = append(dst, " laddr="...)
		if a := cl.Conn.LocalAddr(); a != nil {
			dst = append(dst, a.String()...)
		}
	} else {
		dst = append(dst, " laddr="...)
	}
	dst = append(dst, " name="...)
	dst = append(dst, s.name...)
	dst = append(dst, " age="...)
	dst = strconv.AppendInt(dst, max(cl.Now-s.since, 0)/1e9, 10)
	dst = append(dst, " idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 cmd=client|info user="...)
	dst = append(dst, s.User()...)
	dst = append(dst, " redir=-1 resp="...)
	dst = strconv.AppendInt(dst, int64(s.Proto()), 10)
	return append(dst, '\n')
}

// appendSelect answers SELECT db: database 0 only.
func appendSelect(dst, db []byte) []byte {
	n, err := strconv.ParseInt(string(db), 10, 64)
	switch {
	case err != nil:
		return append(dst, ReplyNotInteger...)
	case n != 0:
		return append(dst, ReplySelectRefused...)
	}
	return append(dst, resp.ReplyOK...)
}
