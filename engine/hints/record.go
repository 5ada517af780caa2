package hints

import (
	"encoding/binary"
	"hash/crc32"
)

// The hint file:
//
//	magic "DYNHINT1\n"
//	record*:  uvarint n | crc32c(body) 4 bytes LE | body (n bytes)
//	body:     op 1 byte | uvarint len(target) | target | key
//
// op is opAdd (a hint), opDone (replayed) or opDrop (evicted by a bound).
// Records are appended in the order the store applied them; reading them
// back in order rebuilds the store. A record is either whole and valid or
// the file's valid part ends before it.

const magic = "DYNHINT1\n"

// Record operations.
const (
	opAdd  byte = 'A'
	opDone byte = 'D'
	opDrop byte = 'X'
)

// Limits of the format: longer targets or keys are refused by Add (and
// counted as dropped), longer records are corrupt.
const (
	MaxTarget = 255
	MaxKey    = 1 << 20
	maxBody   = 1 + binary.MaxVarintLen64 + MaxTarget + MaxKey
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// record is one decoded record; target and key are views of the input.
type record struct {
	op     byte
	target []byte
	key    []byte
}

// appendRecord appends the encoding of one record to dst.
func appendRecord(dst []byte, op byte, target string, key []byte) []byte {
	n := 1 + uvarintLen(uint64(len(target))) + len(target) + len(key)
	dst = binary.AppendUvarint(dst, uint64(n))
	at := len(dst)
	dst = append(dst, 0, 0, 0, 0, op)
	dst = binary.AppendUvarint(dst, uint64(len(target)))
	dst = append(dst, target...)
	dst = append(dst, key...)
	binary.LittleEndian.PutUint32(dst[at:], crc32.Checksum(dst[at+4:], castagnoli))
	return dst
}

// recordSize is the encoded size of a record of target and key.
func recordSize(target string, key []byte) int {
	n := 1 + uvarintLen(uint64(len(target))) + len(target) + len(key)
	return uvarintLen(uint64(n)) + 4 + n
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// decodeRecord decodes the record at the start of b. It returns the record
// (whose slices are views of b), its encoded length, or ErrIncomplete when b
// ends inside it, or ErrCorrupt when it is not a valid record. It never
// allocates and never reads past b.
func decodeRecord(b []byte) (record, int, error) {
	n, w := binary.Uvarint(b)
	switch {
	case w == 0:
		return record{}, 0, ErrIncomplete
	case w < 0 || n < 2 || n > maxBody:
		return record{}, 0, ErrCorrupt
	}
	end := w + 4 + int(n)
	if len(b) < end {
		return record{}, 0, ErrIncomplete
	}
	body := b[w+4 : end]
	if binary.LittleEndian.Uint32(b[w:]) != crc32.Checksum(body, castagnoli) {
		return record{}, 0, ErrCorrupt
	}
	op := body[0]
	if op != opAdd && op != opDone && op != opDrop {
		return record{}, 0, ErrCorrupt
	}
	tl, tw := binary.Uvarint(body[1:])
	if tw <= 0 || tl == 0 || tl > MaxTarget || uint64(len(body)-1-tw) < tl {
		return record{}, 0, ErrCorrupt
	}
	t := body[1+tw : 1+tw+int(tl)]
	key := body[1+tw+int(tl):]
	if len(key) > MaxKey {
		return record{}, 0, ErrCorrupt
	}
	return record{op: op, target: t, key: key}, end, nil
}
