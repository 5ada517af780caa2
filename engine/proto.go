package engine

import (
	"errors"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/replica"
)

// The wire protocol of a node: Redis (data_store 0) or memcached text
// (data_store 1). One connection type and one request lifecycle serve both;
// what differs is gathered in a proto, a struct of functions and replies
// chosen once per Node by New. Connections call it through c.node.proto:
// no interface value, nothing boxed or allocated per request.
//
//	client input ──▶ parse ──┬─ parseFrame ──▶ handle ──▶ forward / dispatch / local
//	                         ├─ parseDone   (answered locally, or bytes dropped)
//	                         ├─ parseMore   (partial frame: keep it in carry)
//	                         └─ parseClose  (close once earlier replies are out)
//	datastore input ──▶ scan ──▶ one reply ──▶ FIFO match ──▶ answer (muted per msg)
//	engine-made errors ──▶ codeReply(code): "-ERR <source> <message>"
//	                                       | "SERVER_ERROR <source> <message>"
//
// The request being handled is described to the shared code by the
// protocol's own request state (c.req for Redis, c.mc.req for memcached);
// reqWrite gives its class for the stats and the node-state gate.

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

// proto is a node's wire protocol. Its fields are set once by New and only
// read afterwards.
type proto struct {
	name string
	// memcache: the memcached text protocol; else Redis.
	memcache bool
	// parse parses the request at the front of buf (client input, or the
	// payload of a peer frame) into c's request state.
	parse func(c *accepted, buf []byte) (int, parseResult)
	// handle acts on the request parse just found; frame is its bytes,
	// valid until handle returns.
	handle func(c *accepted, frame []byte)
	codes  [numCodeReplies][]byte // engine-made error replies, by replica.Code

	// What the router (route.go) asks of the request being handled, so
	// that one router serves both protocols.

	// classify returns the request's class, routing, level and token;
	// it leaves the keys for keyCount and key.
	classify func(c *accepted, t *topology) replica.Request
	keyCount func(c *accepted) int
	key      func(c *accepted, i int) []byte
	// adminDelete: the request is the delete admin mode restricts.
	adminDelete func(c *accepted) bool
	// multiKey: the request's keys may be split over their owners.
	multiKey func(c *accepted) bool
	// split fills mp.parts with the request's sub-requests per
	// local-rack owner (c.ownerFn) and returns their number; merge
	// builds the client's reply from the parts' replies (mp.replies).
	split func(c *accepted, mp *multi) int
	merge func(mp *multi, dst []byte) ([]byte, error)
	// prepare returns the frame to route, rewritten where the cluster
	// needs it, or nil when it answered the request itself.
	prepare func(c *accepted, t *topology, req replica.Request, frame []byte) []byte
	// peerRefuse is the reply to a peer's request that cannot run, nil
	// when it can.
	peerRefuse func(c *accepted) []byte

	tooManyMsgs   []byte // max_msgs reached
	inputOverflow []byte // a client sends without reading its replies
	badMerge      []byte // the parts of a split request do not merge

	// mcLimits bound the memcached parser and reply scanner.
	mcLimits memcache.Limits
}

// numCodeReplies bounds the replica.Code values with a reply of their own.
const numCodeReplies = 32

// memcacheMaxValue is the largest value the node accepts or passes on:
// memcached's own ceiling for its item size (-I 1024m). Values below it
// are judged by memcached itself, whatever its -I, so a too-large value
// gets memcached's answer with memcached's side effects; above it the
// node answers as memcached would and keeps the input flat (Request.Skip).
const memcacheMaxValue = 1 << 30

// newProto returns the protocol of data_store ds (0 Redis, 1 memcached).
func newProto(ds int) proto {
	if ds == 1 {
		p := proto{
			name:          "memcache",
			memcache:      true,
			parse:         parseMemcache,
			handle:        (*accepted).handleMemcache,
			classify:      classifyMemcache,
			keyCount:      keyCountMemcache,
			key:           keyMemcache,
			adminDelete:   adminDeleteMemcache,
			multiKey:      multiKeyMemcache,
			split:         splitMemcache,
			merge:         mergeMemcache,
			prepare:       prepareMemcache,
			peerRefuse:    peerRefuseMemcache,
			tooManyMsgs:   memcache.ReplyTooManyMsgs,
			inputOverflow: memcache.ReplyInputOverflow,
			badMerge:      memcache.ReplyBadMerge,
			mcLimits:      memcache.DefaultLimits,
		}
		p.mcLimits.MaxValue = memcacheMaxValue
		p.fillCodes(memcache.AppendProxyError)
		return p
	}
	p := proto{
		name:          "redis",
		parse:         parseRESP,
		handle:        (*accepted).handle,
		classify:      classifyRESP,
		keyCount:      keyCountRESP,
		key:           keyRESP,
		adminDelete:   adminDeleteRESP,
		multiKey:      multiKeyRESP,
		split:         splitRESP,
		merge:         mergeRESP,
		prepare:       prepareRESP,
		peerRefuse:    peerRefuseRESP,
		tooManyMsgs:   resp.ReplyTooManyMsgs,
		inputOverflow: resp.ReplyInputOverflow,
		badMerge:      resp.ReplyBadMerge,
	}
	p.fillCodes(resp.AppendProxyError)
	return p
}

// fillCodes builds the reply of every failure code with the protocol's
// appendError.
func (p *proto) fillCodes(appendError func(dst []byte, text string) []byte) {
	for i := range p.codes {
		p.codes[i] = appendError(nil, replica.Code(i).Text())
	}
}

// codeReply is the client reply for a failure code (docs/compat.md §8.5).
func (p *proto) codeReply(c replica.Code) []byte {
	if int(c) < len(p.codes) {
		return p.codes[c]
	}
	return p.codes[replica.UnknownError]
}

// errorReply reports an error reply (it counts as an error for quorum).
// A plain method, not a func field: the coordinator's escape analysis
// keeps its scratch on the stack only with direct calls.
func (p *proto) errorReply(b []byte) bool {
	if p.memcache {
		return memcache.IsErrorReply(b)
	}
	return len(b) > 0 && b[0] == '-'
}

// parseRESP is parse for Redis.
func parseRESP(c *accepted, buf []byte) (int, parseResult) {
	n, err := c.parser.Parse(buf, &c.req)
	if err != nil {
		if errors.Is(err, resp.ErrIncomplete) {
			return 0, parseMore
		}
		c.protocolError(err)
		return 0, parseClose
	}
	return n, parseFrame
}

// reqWrite reports whether the request being handled changes data.
func (c *accepted) reqWrite() bool {
	if c.node.proto.memcache {
		return c.mc.req.Cmd.Is(memcache.FlagWrite)
	}
	return c.req.Cmd != nil && c.req.Cmd.Flags&resp.FlagWrite != 0
}
