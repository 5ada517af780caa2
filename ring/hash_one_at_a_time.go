package ring

// OneAtATime is the `one_at_a_time` hash: Bob Jenkins' one-at-a-time hash,
// 32-bit, starting from 0.
//
// C compatibility: hashkit reads the key through a plain (signed) char, so
// a byte >= 0x80 is sign-extended before it is added (0x80 adds
// 0xffffff80, not 0x80). We reproduce that; for ASCII keys the result is
// the textbook one-at-a-time value.
func OneAtATime(key []byte) uint32 {
	var h uint32
	for _, b := range key {
		h += uint32(int32(int8(b))) // sign extension of a C char, see above
		h += h << 10
		h ^= h >> 6
	}
	h += h << 3
	h ^= h >> 11
	h += h << 15
	return h
}
