package ring

// Hsieh is the `hsieh` hash: Paul Hsieh's SuperFastHash as found in
// hashkit, which differs from the published version in two ways that we
// reproduce:
//
//   - the state starts at 0, not at the key length;
//   - for a key whose length is 3 mod 4, the last byte is read through a
//     signed C char before `<< 18`, so a byte >= 0x80 is sign-extended.
//     (The published code does the same with an explicit signed char cast.)
//
// 16-bit reads are little-endian. The empty key hashes to 0 (hashkit
// returns early without setting a token).
func Hsieh(key []byte) uint32 {
	if len(key) == 0 {
		return 0
	}
	var h uint32
	rem := len(key) & 3
	for n := len(key) >> 2; n > 0; n-- {
		h += le16(key)
		tmp := le16(key[2:])<<11 ^ h
		h = h<<16 ^ tmp
		key = key[4:]
		h += h >> 11
	}
	switch rem {
	case 3:
		h += le16(key)
		h ^= h << 16
		h ^= uint32(int32(int8(key[2]))) << 18 // signed char, see above
		h += h >> 11
	case 2:
		h += le16(key)
		h ^= h << 11
		h += h >> 17
	case 1:
		h += uint32(key[0])
		h ^= h << 10
		h += h >> 1
	}
	// Final avalanche.
	h ^= h << 3
	h += h >> 5
	h ^= h << 4
	h += h >> 17
	h ^= h << 25
	h += h >> 6
	return h
}

func le16(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8
}
