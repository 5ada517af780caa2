package inbound

import (
	"bytes"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/session"
)

// A client with a dedicated datastore connection (engine/dedicated) gets
// that connection's bytes as they come: replies and pushed messages in
// the datastore's order, behind every reply of its earlier requests.

// Idle reports whether every request c sent has had its reply moved to
// the output: what is appended now follows them.
func (c *Conn) Idle() bool {
	c.Mu.Lock()
	idle := c.pending.Len() == 0
	c.Mu.Unlock()
	return idle
}

// Relay appends b to c's output and flushes it. It reports false,
// appending nothing, when c is closed or its unsent bytes would pass max:
// the caller then closes c (a subscriber that does not read).
func (c *Conn) Relay(b []byte, max int) bool {
	c.Mu.Lock()
	if c.Closed || c.Unsent()+len(b) > max {
		c.Mu.Unlock()
		return false
	}
	c.AppendOut(b)
	c.Mu.Unlock()
	c.Flush()
	return true
}

// DedicatedReply appends r, one complete reply or pushed frame of c's
// dedicated connection, to dst in c's protocol: as it is for a RESP2
// client; for a RESP3 client (HELLO 3) a message or a subscription's
// confirmation (pushed) becomes a push frame, PING's reply while
// subscribed (subscribed) RESP3's, and nulls RESP3 nulls. A frame that
// does not parse goes as it is. It may run on any goroutine.
func (c *Conn) DedicatedReply(dst, r []byte, pushed, subscribed bool) []byte {
	if !c.proto3.Load() {
		return append(dst, r...)
	}
	out, err := session.AppendPush3(dst, r, pushed, subscribed)
	if err != nil {
		return append(dst, r...)
	}
	return out
}

// A client tunnel (outbound.DialTunnel): a peer of the local rack opens a
// connection on dyn_listen for one of its clients whose keys this node
// owns. Its first frame, the hello, is a plain DMSG_REQ whose payload is
//
//	*2\r\n$15\r\nDYNOMITE.TUNNEL\r\n$<n>\r\n<user>\r\n
//
// (C Dynomite never sends it). Env.Tunnel authenticates the connection as
// user; the hello is answered with one DMSG_RES frame, +OK or an error
// (then the connection closes), and from then on the connection is a
// client's (Env.Client): plain RESP both ways, served as any client of
// this node, dedicated sessions and their replication included.

// TunnelCommand is the command of a tunnel's hello.
const TunnelCommand = "DYNOMITE.TUNNEL"

// ReplyTunnelOK answers an accepted hello.
var ReplyTunnelOK = resp.ReplyOK

// isTunnelHello reports whether the request just parsed from a peer is a
// tunnel's hello: the first plain request of the connection, on a Redis
// node that accepts tunnels. Input side.
func (c *Conn) isTunnelHello() bool {
	if c.served || c.sess != nil || c.env.Memcache || c.env.Tunnel == nil || c.Req.Cmd != nil {
		return false
	}
	a := c.Req.Args
	return len(a) == 2 && bytes.EqualFold(a[0], []byte(TunnelCommand)) && !c.hdr.Encrypted()
}

// openTunnel answers the hello being handled and, when Env.Tunnel
// accepts its user, makes c a client's connection. False when it was
// refused: c closes once the refusal is written. Input side.
func (c *Conn) openTunnel() bool {
	if reply := c.env.Tunnel(c, c.Req.Args[1]); reply != nil {
		c.env.Log.Warn("refusing a client tunnel", "peer", c.NC.RemoteAddr().String(), "reply", string(bytes.TrimRight(reply, "\r\n")))
		c.Local(reply)
		c.Mu.Lock()
		c.quitting = true
		c.Mu.Unlock()
		return false
	}
	c.Local(ReplyTunnelOK)
	c.Mu.Lock()
	if sh := c.St.Shard; sh != nil {
		sh.Dec(c.Kind.conns)
		sh.Inc(c.env.Client.conns)
	}
	c.Kind = &c.env.Client
	c.Mu.Unlock()
	c.rlevel, c.wlevel = c.env.Consistency()
	c.curID, c.sameDC, c.tunnelled = 0, false, true
	return true
}

// Tunnelled reports whether c is a client tunnel a peer opened. Input
// side.
func (c *Conn) Tunnelled() bool { return c.tunnelled }
