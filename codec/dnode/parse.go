package dnode

import (
	"bytes"
	"errors"
)

// Errors returned by Parser.Parse. Compare with errors.Is.
var (
	// ErrIncomplete: no complete header yet; read more bytes and call Parse
	// again with them appended. Nothing was consumed (but garbage before a
	// possible frame may be reported as skipped).
	ErrIncomplete = errors.New("dnode: incomplete frame header")
	// ErrDataTooLong: data_len is over Limits.MaxData. The connection cannot
	// be resynchronised safely and should be closed.
	ErrDataTooLong = errors.New("dnode: data length over limit")
	// ErrPayloadTooLong: payload_len is over Limits.MaxPayload. The
	// connection should be closed.
	ErrPayloadTooLong = errors.New("dnode: payload length over limit")
)

// How Parse reads a buffer:
//
//	buf:  garbage...  "   $2014$ 17 3 0 1 1 *1 d *22\r\n"  payload...
//	      |-skipped-| |------------- n -------------|
//
//  1. Find the magic "$2014$". Everything before it, except the spaces right
//     in front of it, is garbage: it is reported as skipped.
//  2. Read the fields strictly in the order and spacing C Dynomite writes.
//     If a field is malformed (a letter in a number, a missing space), the
//     candidate was not a frame: resume the search one byte after its
//     magic, as C Dynomite's parser does; the bad bytes become skipped.
//  3. A length over the limits is an error, not garbage: the sender really
//     announced that much and resynchronising inside its data would
//     misread the stream.
//
// Parse is stateless: it rescans from the start of buf on every call. A
// header is short (about 40 bytes plus the data blob, which is jumped over
// by its length, never scanned), so a rescan costs less than keeping state.

// Limits bound every length a peer can announce. Zero fields take the
// DefaultLimits value.
type Limits struct {
	// MaxData bounds data_len. C Dynomite sends 1 byte, or the RSA-encrypted
	// session key: 128 bytes for the shipped 1024-bit key, 512 for a
	// 4096-bit one.
	MaxData int
	// MaxPayload bounds payload_len (the largest value Redis accepts for a
	// bulk string is 512 MiB).
	MaxPayload int
}

// DefaultLimits are used for zero fields of Parser.Limits.
var DefaultLimits = Limits{MaxData: 4096, MaxPayload: 512 << 20}

// Digits allowed in each number: a uint64 has at most 20, a uint8 3, and
// the lengths (uint32 on the wire) 10.
const (
	maxIDDigits    = 20
	maxSmallDigits = 3
	maxLenDigits   = 10
)

// Parser reads frame headers. The zero value uses DefaultLimits.
type Parser struct {
	Limits Limits
}

// Parse reads the first frame header in buf.
//
// On success the header occupies buf[skipped : skipped+n], the payload
// starts at buf[skipped+n], and *h is set; h.Data is a sub-slice of buf.
// With ErrIncomplete, buf[:skipped] is garbage the caller may drop and the
// rest must be kept and passed again, followed by more bytes; *h is not
// changed. With ErrDataTooLong or ErrPayloadTooLong the frame starting at
// buf[skipped] is unacceptable and the connection should be closed.
func (p *Parser) Parse(buf []byte, h *Header) (skipped, n int, err error) {
	lim := p.limits()
	for off := 0; ; {
		i := bytes.Index(buf[off:], []byte(magic))
		if i < 0 {
			return tailStart(buf, off), 0, ErrIncomplete
		}
		m := off + i
		start := m
		for start > off && buf[start-1] == ' ' {
			start--
		}
		var hd Header
		end, ok, err := parseFields(buf, m+len(magic), &hd, lim)
		switch {
		case err != nil:
			return start, 0, err
		case !ok:
			off = m + 1 // not a frame: resynchronise after this magic
		default:
			*h = hd
			return start, end - start, nil
		}
	}
}

func (p *Parser) limits() Limits {
	lim := p.Limits
	if lim.MaxData <= 0 {
		lim.MaxData = DefaultLimits.MaxData
	}
	if lim.MaxPayload <= 0 {
		lim.MaxPayload = DefaultLimits.MaxPayload
	}
	return lim
}

// tailStart returns where a frame could still begin in buf[off:] once more
// bytes arrive: at a trailing proper prefix of the magic, or at the spaces
// before the end. Everything before it is garbage.
func tailStart(buf []byte, off int) int {
	t := len(buf)
	for i := max(off, len(buf)-len(magic)+1); i < len(buf); i++ {
		if buf[i] == '$' && bytes.HasPrefix([]byte(magic), buf[i:]) {
			t = i
			break
		}
	}
	for t > off && buf[t-1] == ' ' {
		t--
	}
	return t
}

// The field reader behind Parser.Parse reads the grammar below left to
// right. The first step that fails records why in fieldReader.state: the
// bytes ran out (ErrIncomplete), they are not a header (resync), or a
// length is over its limit; later steps do nothing.
//
//	after magic:  ' ' id ' ' type ' ' flags ' ' version ' ' same_dc
//	              ' ' '*' data_len ' ' data ' ' '*' payload_len '\r' '\n'

// parseFields reads the fields of a header whose magic ends at buf[i]. It
// returns the end of the header, ok=false when the bytes are not a header
// (resync), or an error: ErrIncomplete, ErrDataTooLong, ErrPayloadTooLong.
func parseFields(buf []byte, i int, h *Header, lim Limits) (end int, ok bool, err error) {
	r := fieldReader{buf: buf, i: i}
	r.byte(' ')
	h.MsgID = r.number(maxIDDigits, ^uint64(0))
	r.byte(' ')
	h.Type = Type(r.number(maxSmallDigits, 255))
	r.byte(' ')
	h.Flags = Flags(r.number(maxSmallDigits, 255)) & 0x0f
	r.byte(' ')
	h.Version = uint8(r.number(maxSmallDigits, 255))
	r.byte(' ')
	h.SameDC = r.number(maxSmallDigits, 255) != 0
	r.byte(' ')
	r.byte('*')
	dataLen := r.length(uint64(lim.MaxData), ErrDataTooLong)
	r.byte(' ')
	h.Data = r.bytes(int(dataLen))
	r.byte(' ')
	r.byte('*')
	h.PayloadLen = uint32(r.length(uint64(lim.MaxPayload), ErrPayloadTooLong))
	r.byte('\r')
	r.byte('\n')
	switch r.state {
	case stateOK:
		return r.i, true, nil
	case stateResync:
		return 0, false, nil
	default:
		return 0, false, r.err
	}
}

type readState uint8

const (
	stateOK readState = iota
	stateResync
	stateStop // r.err holds ErrIncomplete or a limit error
)

// fieldReader reads left to right; after the first failure every method is
// a no-op, so parseFields reads as the frame grammar.
type fieldReader struct {
	buf   []byte
	i     int
	state readState
	err   error
}

func (r *fieldReader) incomplete() {
	r.state, r.err = stateStop, ErrIncomplete
}

func (r *fieldReader) byte(c byte) {
	switch {
	case r.state != stateOK:
	case r.i >= len(r.buf):
		r.incomplete()
	case r.buf[r.i] != c:
		r.state = stateResync
	default:
		r.i++
	}
}

// number reads 1..maxDigits decimal digits with a value <= maxVal; more
// digits, a larger value or no digit at all mean the bytes are not a frame.
func (r *fieldReader) number(maxDigits int, maxVal uint64) uint64 {
	if r.state != stateOK {
		return 0
	}
	var v uint64
	n := 0
	for ; r.i < len(r.buf); r.i++ {
		c := r.buf[r.i]
		if c < '0' || c > '9' {
			break
		}
		d := uint64(c - '0')
		if n == maxDigits || v > (maxVal-d)/10 {
			r.state = stateResync
			return 0
		}
		v = v*10 + d
		n++
	}
	switch {
	case r.i >= len(r.buf):
		r.incomplete()
	case n == 0:
		r.state = stateResync
	}
	return v
}

// length reads a data or payload length. A value over limit (or more
// digits than a uint32 has) is the error tooLong, reported as soon as it
// is certain, without waiting for the rest of the number.
func (r *fieldReader) length(limit uint64, tooLong error) uint64 {
	if r.state != stateOK {
		return 0
	}
	var v uint64
	n := 0
	for ; r.i < len(r.buf); r.i++ {
		c := r.buf[r.i]
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + uint64(c-'0')
		n++
		if n > maxLenDigits || v > limit || v > 1<<32-1 {
			r.state, r.err = stateStop, tooLong
			return 0
		}
	}
	switch {
	case r.i >= len(r.buf):
		r.incomplete()
	case n == 0:
		r.state = stateResync
	}
	return v
}

// bytes returns the next n bytes as a sub-slice of buf.
func (r *fieldReader) bytes(n int) []byte {
	if r.state != stateOK {
		return nil
	}
	if len(r.buf)-r.i < n {
		r.incomplete()
		return nil
	}
	b := r.buf[r.i : r.i+n : r.i+n]
	r.i += n
	return b
}
