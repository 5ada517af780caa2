package dnode

// The field reader behind Parser.Parse. Each step returns the position after
// what it read; errIncomplete and errResync are internal signals that Parse
// turns into ErrIncomplete or a resynchronisation.
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
