package bench

import (
	"bytes"
	"strconv"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
)

// Wire formats of the two protocols: append-style request encoders and reply
// scanners that find the end of one complete reply in place, with the codec
// packages' resumable scanners. Nothing here allocates.

// replyKind classifies a reply for the hit/miss counters.
type replyKind uint8

const (
	replyOK   replyKind = iota // status or any other non-error reply
	replyHit                   // GET found the key
	replyMiss                  // GET found nothing (nil bulk, memcached END)
	replyErr                   // error reply
)

// wire is one protocol: request encoders and a reply scanner.
type wire struct {
	appendSet func(dst, key, val []byte) []byte
	appendGet func(dst, key []byte) []byte
	scanner   scanner
}

// scanner finds the end of the reply at the start of buf, the answer to a
// request of kind op: n == 0 and a nil error when buf holds no complete reply
// yet. A scanner belongs to one client; it may keep state between calls for
// the same reply (the buffer must start at the same reply each time).
type scanner interface {
	scan(buf []byte, op opKind) (n int, kind replyKind, err error)
}

// wireFor returns the encoders and a new scanner for protocol.
func wireFor(protocol string) wire {
	if protocol == ProtoMemcacheText {
		return wire{appendSet: appendMemcacheSet, appendGet: appendMemcacheGet, scanner: new(memcacheScanner)}
	}
	return wire{appendSet: appendRedisSet, appendGet: appendRedisGet, scanner: new(redisScanner)}
}

func appendBulk(dst, b []byte) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(b)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

func appendRedisSet(dst, key, val []byte) []byte {
	dst = append(dst, "*3\r\n$3\r\nSET\r\n"...)
	dst = appendBulk(dst, key)
	return appendBulk(dst, val)
}

func appendRedisGet(dst, key []byte) []byte {
	dst = append(dst, "*2\r\n$3\r\nGET\r\n"...)
	return appendBulk(dst, key)
}

func appendMemcacheSet(dst, key, val []byte) []byte {
	dst = append(dst, "set "...)
	dst = append(dst, key...)
	dst = append(dst, " 0 0 "...)
	dst = strconv.AppendInt(dst, int64(len(val)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, val...)
	return append(dst, '\r', '\n')
}

func appendMemcacheGet(dst, key []byte) []byte {
	dst = append(dst, "get "...)
	dst = append(dst, key...)
	return append(dst, '\r', '\n')
}

// redisScanner finds reply ends with the codec's resumable scanner: a reply
// split over several reads is only scanned once.
type redisScanner struct {
	s resp.ReplyScanner
}

func (r *redisScanner) scan(buf []byte, _ opKind) (int, replyKind, error) {
	n, err := r.s.Scan(buf)
	if err == resp.ErrIncomplete {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	return n, redisKind(buf), nil
}

// memcacheScanner finds reply ends with codec/memcache's resumable scanner,
// which needs to know the command each reply answers.
type memcacheScanner struct {
	s memcache.ReplyScanner
}

func (m *memcacheScanner) scan(buf []byte, op opKind) (int, replyKind, error) {
	cmd := memcache.CmdGet
	if op == opSet {
		cmd = memcache.CmdSet
	}
	n, st, err := m.s.Scan(buf, cmd)
	if err == memcache.ErrIncomplete {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	switch {
	case st.IsError():
		return n, replyErr, nil
	case op == opGet && bytes.HasPrefix(buf, []byte("VALUE ")):
		return n, replyHit, nil
	case op == opGet:
		return n, replyMiss, nil
	}
	return n, replyOK, nil
}

func redisKind(reply []byte) replyKind {
	switch reply[0] {
	case '-':
		return replyErr
	case '_':
		return replyMiss
	case '$':
		if reply[1] == '-' {
			return replyMiss
		}
		return replyHit
	}
	return replyOK
}
