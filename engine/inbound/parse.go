package inbound

import (
	"errors"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
)

// The request framing of both wire protocols: Redis (data_store 0) or
// memcached text (data_store 1). One connection type and one request
// lifecycle serve both; what differs is chosen once per node by Env.Init
// (parse, handle, peerRefuse): no interface value, nothing boxed or
// allocated per request.
//
//	input ──▶ parse ──┬─ parseFrame ──▶ handle ──▶ Env.Dispatch (a client's) / Env.Peer (a peer's)
//	                  ├─ parseDone   (answered locally, or bytes dropped)
//	                  ├─ parseMore   (partial frame: keep it in carry)
//	                  └─ parseClose  (close once earlier replies are out)
//
// The request being handled is described to the node by the protocol's
// own request state (Conn.Req for Redis, Conn.MC for memcached); ReqWrite
// gives its class for the stats and the node-state gate.

// parseResult says what parse found at the front of the input.
type parseResult uint8

const (
	// parseFrame: a request of n bytes; handle it.
	parseFrame parseResult = iota
	// parseDone: n bytes were consumed without a request to handle (an
	// error answered locally, or input dropped).
	parseDone
	// parseMore: the frame is incomplete; n is 0.
	parseMore
	// parseClose: the input is unusable; drop the rest and close once
	// the replies queued so far are flushed.
	parseClose
)

// parseRESP is parse for Redis: it parses the request at the front of buf
// (a client's input, or the payload of a peer's frame) into c.Req.
func parseRESP(c *Conn, buf []byte) (int, parseResult) {
	n, err := c.parser.Parse(buf, &c.Req)
	if err != nil {
		if errors.Is(err, resp.ErrIncomplete) {
			return 0, parseMore
		}
		c.protocolError(err)
		return 0, parseClose
	}
	return n, parseFrame
}

// ReqWrite reports whether the request being handled changes data.
func (c *Conn) ReqWrite() bool {
	if c.env.Memcache {
		return c.mc.req.Cmd.Is(memcache.FlagWrite)
	}
	return c.Req.Cmd != nil && c.Req.Cmd.Flags&resp.FlagWrite != 0
}

// peerRefuseRESP is the reply to a peer's request that cannot run: an
// unknown command (a peer does not validate what it forwards); nil
// otherwise.
func peerRefuseRESP(c *Conn) []byte {
	if c.Req.Cmd != nil {
		return nil
	}
	c.scratch, _ = c.Req.Validate(c.scratch[:0])
	return c.scratch
}

// peerRefuseMemcache: a peer has nothing to quit.
func peerRefuseMemcache(c *Conn) []byte {
	if c.mc.req.Cmd == memcache.CmdQuit {
		return memcache.ReplyError
	}
	return nil
}
