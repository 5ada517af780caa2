package route

import (
	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/replica"
)

// The wire protocol of a node: Redis (data_store 0) or memcached text
// (data_store 1). One connection type and one request lifecycle serve both;
// what differs is gathered in a proto, a struct of functions and replies
// chosen once per Node by New. The router calls it through n.proto:
// no interface value, nothing boxed or allocated per request. The framing
// of requests is engine/inbound's (parse.go), the framing of replies
// engine/outbound's.
//
//	client input ──▶ inbound: parse, handle ──▶ dispatch ──▶ forward / route / local
//	datastore input ──▶ scan ──▶ one reply ──▶ FIFO match ──▶ answer (muted per msg)
//	engine-made errors ──▶ codeReply(code): "-ERR <source> <message>"
//	                                       | "SERVER_ERROR <source> <message>"
//
// The request being handled is described to the router by the
// protocol's own request state (c.Req for Redis, c.MC() for memcached).

// proto is a node's wire protocol. Its fields are set once by New and only
// read afterwards.
type proto struct {
	name string
	// memcache: the memcached text protocol; else Redis.
	memcache bool
	codes    [numCodeReplies][]byte // engine-made error replies, by replica.Code

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
	// local-rack owner (c.Route.OwnerFn) and returns their number; merge
	// builds the client's reply from the parts' replies (mp.replies).
	split func(c *accepted, mp *multi) int
	merge func(mp *multi, dst []byte) ([]byte, error)
	// prepare returns the frame to route, rewritten where the cluster
	// needs it, or nil when it answered the request itself.
	prepare func(n *Router, c *accepted, t *topology, req replica.Request, frame []byte) []byte

	tooManyMsgs []byte // max_msgs reached
	badMerge    []byte // the parts of a split request do not merge

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
			name:        "memcache",
			memcache:    true,
			classify:    classifyMemcache,
			keyCount:    keyCountMemcache,
			key:         keyMemcache,
			adminDelete: adminDeleteMemcache,
			multiKey:    multiKeyMemcache,
			split:       splitMemcache,
			merge:       mergeMemcache,
			prepare:     prepareMemcache,
			tooManyMsgs: memcache.ReplyTooManyMsgs,
			badMerge:    memcache.ReplyBadMerge,
			mcLimits:    memcache.DefaultLimits,
		}
		p.mcLimits.MaxValue = memcacheMaxValue
		p.fillCodes(memcache.AppendProxyError)
		return p
	}
	p := proto{
		name:        "redis",
		classify:    classifyRESP,
		keyCount:    keyCountRESP,
		key:         keyRESP,
		adminDelete: adminDeleteRESP,
		multiKey:    multiKeyRESP,
		split:       splitRESP,
		merge:       mergeRESP,
		prepare:     prepareRESP,
		tooManyMsgs: resp.ReplyTooManyMsgs,
		badMerge:    resp.ReplyBadMerge,
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

// Memcache reports whether the node speaks memcached (else Redis).
func (n *Router) Memcache() bool { return n.proto.memcache }

// MCLimits are the bounds of the memcached parser and reply scanner.
func (n *Router) MCLimits() memcache.Limits { return n.proto.mcLimits }

// CodeReply is the client reply for a failure code.
func (n *Router) CodeReply(c replica.Code) []byte { return n.proto.codeReply(c) }
