package inbound

import (
	"github.com/dynomite-go/dynomite/codec/memcache"
)

// The memcached text protocol on the shared request lifecycle (parse.go;
// its routing is the node's, engine/memcache_route.go).
//
//	client bytes ─▶ parseMemcache ─┬─ request ─▶ handleMemcache ─▶ Env.Dispatch (forward | route)
//	                               │               noreply / q: forwarded without them, msg muted
//	                               ├─ error line: answered locally (none for noreply, as memcached)
//	                               ├─ value too large: reply locally, drop the value as it
//	                               │    arrives (skip); for set, forward "delete <key>" first
//	                               └─ line too long: close without a reply
//	memcached bytes ─▶ scanMemcache (framed for the command of the FIFO head) ─▶ answer
//
// quit closes the connection once earlier replies are flushed, with no reply
// of its own (C Dynomite answers +OK). A request always gets one reply from
// memcached: noreply and the q flag are taken off before forwarding and the
// reply is dropped at delivery (msg.mute, memcache.Mute), so a noreply
// request neither waits for a reply that never comes nor upsets the FIFO
// match of the next ones.

// mcIn is the memcached request state of an accepted connection, used by
// its input side (inMu).
type mcIn struct {
	parser memcache.Parser
	req    memcache.Request
	// skip is the rest of a too-large value still to be dropped.
	skip int
	// mute applies to the request being handled (MuteNone between
	// requests); forward and local pass it on.
	mute memcache.Mute
	// frame holds a rewritten request until it is queued.
	frame []byte
}

// maxKeptFrame bounds the rewrite buffer a connection keeps between
// requests; a larger one (a big noreply value) is dropped after use.
const maxKeptFrame = 64 << 10

// parseMemcache is parse for memcached.
func parseMemcache(c *Conn, buf []byte) (int, parseResult) {
	mc := &c.mc
	if mc.skip > 0 {
		d := min(mc.skip, len(buf))
		mc.skip -= d
		return d, parseDone
	}
	n, err := mc.parser.Parse(buf, &mc.req)
	switch {
	case err == nil:
		return n, parseFrame
	case err == memcache.ErrIncomplete:
		return 0, parseMore
	}
	e, ok := err.(*memcache.Error) // the codec returns its sentinels as they are
	if !ok || e.Fatal() {
		// A line without an end within the limit: memcached closes the
		// connection silently.
		mc.parser.Reset()
		c.badInput(nil, err)
		return 0, parseClose
	}
	r := &mc.req
	if e == memcache.ErrTooLarge {
		mc.skip = r.Skip
		if (r.Cmd == memcache.CmdSet || r.Cmd == memcache.CmdMetaSet) && len(r.Keys) == 1 {
			c.dropTooLarge(r)
			return n, parseDone
		}
	}
	if !r.NoReply || e == memcache.ErrUnknownCommand {
		c.Local(e.Reply())
	}
	return n, parseDone
}

// dropTooLarge answers a set or ms whose value is over the limit as
// memcached does: the error (none with noreply; q does not hide it), and
// the item stored under the key is gone. The node sends the request that
// unlinks it (memcache.AppendUnlink) and gives the client the error in
// place of that request's reply, in request order.
func (c *Conn) dropTooLarge(r *memcache.Request) {
	c.mc.frame = memcache.AppendUnlink(c.mc.frame[:0], r)
	c.mc.mute = memcache.MuteTooLarge
	if r.NoReply {
		c.mc.mute = memcache.MuteAll
	}
	c.env.Dispatch(c, c.mc.frame)
	c.mc.mute = memcache.MuteNone
}

// handleMemcache acts on one parsed request (Env.handle). A request
// whose replies the client must not all see leaves loud, and its mute
// drops them at delivery.
func (c *Conn) handleMemcache(frame []byte) {
	r := &c.mc.req
	c.countMemcache(r.Cmd)
	if r.Cmd == memcache.CmdQuit {
		c.Mu.Lock()
		c.quitting = true
		c.Mu.Unlock()
		return
	}
	if c.mc.mute = memcache.MuteOf(r); c.mc.mute != memcache.MuteNone {
		c.mc.frame = memcache.AppendLoud(c.mc.frame[:0], frame, r)
		frame = c.mc.frame
	}
	c.env.Dispatch(c, frame)
	c.mc.mute = memcache.MuteNone
	if cap(c.mc.frame) > maxKeptFrame {
		c.mc.frame = nil
	}
}
