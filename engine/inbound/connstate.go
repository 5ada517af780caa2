package inbound

import (
	"bytes"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
)

// Commands that change the state of a client's connection to the node:
// CLIENT REPLY and RESET.

// replyMode is a client's CLIENT REPLY setting.
type replyMode uint8

const (
	repliesOn   replyMode = iota
	repliesOff            // CLIENT REPLY OFF: no reply until ON
	repliesSkip           // CLIENT REPLY SKIP: no reply to the next request
)

var (
	replyReset       = []byte("+RESET\r\n")
	replySyntaxError = []byte("-ERR syntax error\r\n")
)

// clientReply serves CLIENT REPLY ON|OFF|SKIP as Redis does: ON answers
// +OK, OFF and SKIP answer nothing. The mode applies to every reply the
// node sends the client, made by the node, a datastore or a peer;
// messages of subscriptions still come.
func (c *Conn) clientReply(mode []byte) {
	switch {
	case bytes.EqualFold(mode, []byte("on")):
		c.replies = repliesOn
		c.mc.mute = memcache.MuteNone
		c.answer(resp.ReplyOK)
	case bytes.EqualFold(mode, []byte("off")):
		c.replies = repliesOff
		c.mc.mute = memcache.MuteAll
	case bytes.EqualFold(mode, []byte("skip")):
		if c.replies == repliesOn {
			c.replies = repliesSkip
		}
		c.mc.mute = memcache.MuteAll
	default:
		c.answer(replySyntaxError)
	}
}

// reset serves RESET: the session returns to a new connection's state
// (RESP2, no name, not authenticated when users are configured, replies
// on) and a dedicated session gets RESET too, which discards the
// datastore's transaction, watched keys and subscriptions. The answer is
// +RESET, in order with earlier replies.
func (c *Conn) reset(frame []byte) {
	c.Sess.Reset(c.env.Session)
	c.proto3.Store(false)
	c.replies, c.mc.mute = repliesOn, memcache.MuteNone
	if c.Dedicated != nil {
		c.env.Dedicated(c, frame)
		return
	}
	c.Local(replyReset)
}

// answer answers the request being handled with reply, through the
// client's dedicated session when it has one.
func (c *Conn) answer(reply []byte) {
	if a, ok := c.Dedicated.(answerer); ok && a.Answer(reply, &c.B) {
		return
	}
	c.Local(reply)
}
