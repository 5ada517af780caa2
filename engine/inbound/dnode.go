package inbound

import (
	"errors"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/engine/secure"
)

// The dnode wrapper around the RESP codec (docs/compat.md §5.1).
//
// A frame is a dnode header followed by a RESP payload. payload_len is not
// trusted for unencrypted frames (C Dynomite writes 0 in places): the RESP
// parser or reply scanner finds the end of the payload. While a payload is
// incomplete, the input keeps the bytes from the header on, so the next
// read parses the same header again and resumes the payload at the same
// offset (both RESP parsers resume on a grown copy of the buffer).
//
// Garbage before "$2014$" is skipped by the header parser. Frames of types
// that carry no request or reply (gossip, crypto handshake) are skipped
// header first; their payload is garbage to the next header parse and is
// skipped the same way. A payload that is not RESP or an oversized header
// field closes the connection.
//
// Encrypted frames (Dynomite's secure_server_option, docs/compat.md §5.4):
// the sender decides; this side follows. The first flagged frame of a
// connection carries the session key RSA-wrapped (secure.NewIncoming
// unwraps it with Env.PeerKey); from then on the connection is secured and
// every reply is encrypted with that key (Seal). A flagged frame's payload
// is payload_len bytes of ciphertext, taken whole (secure.Payload), then
// decrypted into the session's plaintext buffer, which must hold exactly
// one request. That buffer is emptied at the start of each input, so a
// request's bytes stay valid while Env.Peer handles it. A flagged frame
// on a node without a key, a key blob or a payload that does not decrypt,
// a payload_len over MaxSecuredPayload (MaxGossipPayload's ciphertext for
// gossip), or a plaintext that is not one whole request closes the
// connection with one log line. An encrypted GOSSIP_SYN is decrypted and
// handed to Env.Gossip like a plain one.

// consumePeer is a peer's framer and handler (Kind.consume): it handles every complete frame at
// the front of buf and returns how many bytes it used. Callers hold inMu.
func (c *Conn) consumePeer(buf []byte) int {
	if c.sess != nil {
		c.sess.ResetInput()
	}
	off := 0
	for off < len(buf) {
		switch c.admitNext() {
		case inputDrop:
			return len(buf)
		case inputPause:
			return off
		}
		skipped, hn, err := c.dparser.Parse(buf[off:], &c.hdr)
		if err != nil {
			if errors.Is(err, dnode.ErrIncomplete) {
				return off + skipped
			}
			c.peerInputError("bad dnode header", err)
			return len(buf)
		}
		p := off + skipped + hn
		if c.hdr.Encrypted() {
			n, more := c.consumeSecured(buf[p:])
			switch {
			case more:
				return off + skipped
			case n < 0:
				return len(buf)
			}
			off = p + n
			continue
		}
		if c.hdr.Type == dnode.TypeGossipSyn && c.env.Gossip != nil {
			n, ok := c.gossipFrame(buf[p:])
			if !ok {
				return off + skipped
			}
			off = p + n
			continue
		}
		if !c.hdr.Type.IsRequest() {
			off = p
			continue
		}
		c.curID, c.sameDC = c.hdr.MsgID, c.hdr.SameDC
		n, res := c.env.parse(c, buf[p:])
		switch res {
		case parseMore:
			return off + skipped
		case parseClose:
			return len(buf)
		case parseFrame:
			if c.isTunnelHello() {
				off = p + n
				if !c.openTunnel() {
					return len(buf)
				}
				return off + c.consumeRequests(buf[off:])
			}
			c.served = true
			c.handlePeer(buf[p:p+n], c.hdr.Type)
		}
		off = p + n
	}
	return off
}

// MaxSecuredPayload bounds the ciphertext of one encrypted request frame:
// room for a request carrying the largest bulk string Redis accepts, its
// other arguments and the padding. A larger payload_len closes the
// connection before any of it is buffered.
const MaxSecuredPayload = 513 << 20

// consumeSecured handles the encrypted frame whose header c.hdr ends
// where buf starts: it returns the payload's length, more while buf does
// not hold all of it, or -1 when the connection is closing (the frame
// could not be trusted). Callers hold inMu.
func (c *Conn) consumeSecured(buf []byte) (n int, more bool) {
	if c.sess == nil {
		sess, err := secure.NewIncoming(c.env.PeerKey, &c.hdr, c.env.Chunk)
		if err != nil {
			c.peerInputError("cannot start the encrypted session", err)
			return -1, false
		}
		c.Mu.Lock() // appendPeerReply reads sess under Mu
		c.sess = sess
		c.Mu.Unlock()
	}
	gossip := c.hdr.Type == dnode.TypeGossipSyn && c.env.Gossip != nil
	limit := MaxSecuredPayload
	if gossip {
		limit = dnode.CipherLen(MaxGossipPayload, c.env.Chunk)
	}
	if int64(c.hdr.PayloadLen) > int64(limit) {
		c.peerInputError("oversized encrypted frame", nil)
		return -1, false
	}
	ciphertext, ok := secure.Payload(&c.hdr, buf)
	if !ok {
		return 0, true
	}
	if !c.hdr.Type.IsRequest() && !gossip {
		return len(ciphertext), false
	}
	plain, err := c.sess.Open(ciphertext)
	if err != nil {
		c.peerInputError("cannot decrypt a frame", err)
		return -1, false
	}
	if gossip {
		c.env.Gossip(c, plain)
		return len(ciphertext), false
	}
	c.curID, c.sameDC = c.hdr.MsgID, c.hdr.SameDC
	m, res := c.env.parse(c, plain)
	switch {
	case res == parseClose:
		return -1, false
	case res == parseMore || m != len(plain):
		c.peerInputError("bad request payload", secure.ErrPayloadEncrypted)
		return -1, false
	case res == parseFrame:
		c.handlePeer(plain, c.hdr.Type)
	}
	return len(ciphertext), false
}

// peerInputError stops reading a peer connection and closes it once the
// replies of the requests before the bad frame are flushed.
func (c *Conn) peerInputError(what string, err error) {
	c.env.Log.Warn("closing peer connection: "+what, "peer", c.NC.RemoteAddr().String(), "err", err)
	c.parser.Reset()
	c.Mu.Lock()
	c.quitting = true
	c.Mu.Unlock()
}

// handlePeer hands one request of the node's protocol from a peer to the
// node (Env.Peer), which runs DMSG_REQ on the local datastore without
// re-checking ownership, and DMSG_REQ_FORWARD as the coordinator of this
// DC at DC_ONE (docs/compat.md §4.3 step 7). A request no peer may make
// is answered here.
func (c *Conn) handlePeer(frame []byte, t dnode.Type) {
	if reply := c.env.peerRefuse(c); reply != nil {
		c.Local(reply)
		return
	}
	c.env.Peer(c, frame, t)
}

// appendReply appends the reply to request id to the output, framed as the
// connection's kind frames replies. Callers hold Mu.
func (c *Conn) appendReply(id uint64, reply []byte) { c.Kind.appendReply(c, id, reply) }

// appendPlain is a client's appendReply: the reply as it is.
func (c *Conn) appendPlain(_ uint64, reply []byte) { c.AppendOut(reply) }

// appendPeerReply is a peer's appendReply: a DMSG_RES header echoing id,
// then the reply, encrypted once the connection is secured.
func (c *Conn) appendPeerReply(id uint64, reply []byte) {
	if c.Out == nil {
		c.Out = c.env.Core.Bufs.Get()
	}
	if c.sess != nil {
		c.Out.B = c.sess.Seal(c.Out.B, dnode.Plain(id, dnode.TypeRes, c.sameDC, 0), reply)
		return
	}
	c.Out.B = dnode.AppendHeader(c.Out.B, dnode.Plain(id, dnode.TypeRes, c.sameDC, uint32(len(reply))))
	c.AppendOut(reply)
}

// peerIn is the dnode state of an accepted peer connection, input side
// (inMu).
type peerIn struct {
	dparser dnode.Parser
	hdr     dnode.Header
	curID   uint64 // msg id of the request being handled
	sameDC  bool   // same_dc of the last request, echoed in replies
	// sess: the connection is secured (its first encrypted frame came);
	// set on the input side under Mu, never cleared.
	sess *secure.Session
	// served: a request was handled; a tunnel hello (tunnel.go) comes
	// only first.
	served bool
	// tunnelled: the connection became a client's through a tunnel
	// hello. Input side.
	tunnelled bool
}
