package dnode

import "bytes"

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
