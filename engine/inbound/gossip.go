package inbound

// MaxGossipPayload bounds the payload of a GOSSIP_SYN frame a peer may
// send (C writes at most 256 bytes per record, for up to 1024 nodes).
const MaxGossipPayload = 256 << 10

// gossipFrame hands the payload of the GOSSIP_SYN frame at the front of
// buf (after its header, in c.hdr) to Env.Gossip and returns its length.
// Unlike a request's, a gossip payload is not RESP: its length is the
// header's payload_len. ok is false while the payload is incomplete. An
// oversized payload closes the connection.
func (c *Conn) gossipFrame(buf []byte) (n int, ok bool) {
	n = int(c.hdr.PayloadLen)
	if n > MaxGossipPayload {
		c.peerInputError("oversized gossip frame", nil)
		return len(buf), true
	}
	if n > len(buf) {
		return 0, false
	}
	c.env.Gossip(c, buf[:n])
	return n, true
}
