package bench

import (
	"bytes"
	"strconv"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// Wire formats of the two protocols: append-style request encoders and reply
// scanners that find the end of one complete reply in place. Redis replies are
// scanned by codec/resp; memcached text replies by the small scanner below.
// Nothing here allocates.

// replyKind classifies a reply for the hit/miss counters.
type replyKind uint8

const (
	replyOK   replyKind = iota // status or any other non-error reply
	replyHit                   // GET found the key
	replyMiss                  // GET found nothing (nil bulk, memcached END)
	replyErr                   // error reply
)

// maxBulk bounds a reply length so a corrupt length cannot make a client wait
// for gigabytes.
const maxBulk = 512 << 20

// wire is one protocol: request encoders and a reply scanner.
type wire struct {
	appendSet func(dst, key, val []byte) []byte
	appendGet func(dst, key []byte) []byte
	scanner   scanner
}

// scanner finds the end of the reply at the start of buf: n == 0 and a nil
// error when buf holds no complete reply yet. A scanner belongs to one client.
type scanner interface {
	scan(buf []byte) (n int, kind replyKind, err error)
}

// wireFor returns the encoders and a new scanner for protocol.
func wireFor(protocol string) wire {
	if protocol == ProtoMemcacheText {
		return wire{appendSet: appendMemcacheSet, appendGet: appendMemcacheGet, scanner: memcacheScanner{}}
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

// line returns the end of the CRLF-terminated line starting at pos (the index
// after '\n'), or -1 when the line is incomplete.
func line(buf []byte, pos int) (int, error) {
	i := bytes.IndexByte(buf[pos:], '\n')
	if i < 0 {
		return -1, nil
	}
	if i == 0 || buf[pos+i-1] != '\r' {
		return 0, errReply
	}
	return pos + i + 1, nil
}

// atoi parses a signed decimal without allocating.
func atoi(b []byte) (int64, error) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, errReply
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errReply
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

// redisScanner finds reply ends with the codec's resumable scanner: a reply
// split over several reads is only scanned once.
type redisScanner struct {
	s resp.ReplyScanner
}

func (r *redisScanner) scan(buf []byte) (int, replyKind, error) {
	n, err := r.s.Scan(buf)
	if err == resp.ErrIncomplete {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	return n, redisKind(buf), nil
}

// memcacheScanner rescans a partial reply from its start on every read,
// which only costs a header line per read.
type memcacheScanner struct{}

func (memcacheScanner) scan(buf []byte) (int, replyKind, error) { return scanMemcache(buf) }

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

// scanMemcache finds the end of one memcached text reply: a status line, or
// VALUE blocks closed by END.
func scanMemcache(buf []byte) (int, replyKind, error) {
	end, err := line(buf, 0)
	if end <= 0 {
		return 0, 0, err
	}
	first := buf[:end-2]
	switch {
	case bytes.HasPrefix(first, []byte("VALUE ")):
		return scanValues(buf)
	case bytes.Equal(first, []byte("END")):
		return end, replyMiss, nil
	case bytes.Equal(first, []byte("ERROR")), bytes.HasPrefix(first, []byte("CLIENT_ERROR")),
		bytes.HasPrefix(first, []byte("SERVER_ERROR")):
		return end, replyErr, nil
	case len(first) > 0 && first[0] >= 'A' && first[0] <= 'Z':
		return end, replyOK, nil // STORED, NOT_STORED, EXISTS, NOT_FOUND, ...
	}
	return 0, 0, errReply
}

// scanValues walks "VALUE <key> <flags> <bytes> [<cas>]\r\n<data>\r\n" blocks
// up to the closing "END\r\n".
func scanValues(buf []byte) (int, replyKind, error) {
	pos := 0
	for {
		end, err := line(buf, pos)
		if end <= 0 {
			return 0, 0, err
		}
		hdr := buf[pos : end-2]
		if bytes.Equal(hdr, []byte("END")) {
			return end, replyHit, nil
		}
		if !bytes.HasPrefix(hdr, []byte("VALUE ")) {
			return 0, 0, errReply
		}
		n, err := atoi(field(hdr, 3))
		if err != nil || n < 0 || n > maxBulk {
			return 0, 0, errReplyLimit
		}
		pos = end + int(n) + 2
		if pos > len(buf) {
			return 0, 0, nil
		}
	}
}

// field returns the i-th space-separated field of b (nil if absent).
func field(b []byte, i int) []byte {
	for ; i > 0; i-- {
		k := bytes.IndexByte(b, ' ')
		if k < 0 {
			return nil
		}
		b = b[k+1:]
	}
	if k := bytes.IndexByte(b, ' '); k >= 0 {
		return b[:k]
	}
	return b
}
