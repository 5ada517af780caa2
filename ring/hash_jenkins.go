package ring

// Jenkins is the `jenkins` hash: Bob Jenkins' lookup3 "hashlittle" with
// initval 13, as hashkit calls it. Its three read paths (4-byte aligned,
// 2-byte aligned, bytewise) give the same value on a little-endian machine;
// we implement the bytewise one.
//
// For the empty key lookup3 returns its initial state 0xdeadbeef+13
// without mixing. (hashkit returns that number as its status and leaves
// the token unset; an empty key is never hashed on the request path.)
func Jenkins(key []byte) uint32 {
	return lookup3(key, 13)
}

// lookup3 is hashlittle(key, len, initval).
func lookup3(k []byte, initval uint32) uint32 {
	a := 0xdeadbeef + uint32(len(k)) + initval
	b, c := a, a
	for len(k) > 12 {
		a += le32(k[0:4])
		b += le32(k[4:8])
		c += le32(k[8:12])
		a, b, c = lookup3Mix(a, b, c)
		k = k[12:]
	}
	if len(k) == 0 {
		return c
	}
	// Last block, 1..12 bytes: zero padded little-endian words.
	var tail [12]byte
	copy(tail[:], k)
	a += le32(tail[0:4])
	b += le32(tail[4:8])
	c += le32(tail[8:12])
	return lookup3Final(a, b, c)
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func rotl32(x uint32, k uint) uint32 { return x<<k | x>>(32-k) }

func lookup3Mix(a, b, c uint32) (uint32, uint32, uint32) {
	a -= c
	a ^= rotl32(c, 4)
	c += b
	b -= a
	b ^= rotl32(a, 6)
	a += c
	c -= b
	c ^= rotl32(b, 8)
	b += a
	a -= c
	a ^= rotl32(c, 16)
	c += b
	b -= a
	b ^= rotl32(a, 19)
	a += c
	c -= b
	c ^= rotl32(b, 4)
	b += a
	return a, b, c
}

func lookup3Final(a, b, c uint32) uint32 {
	c ^= b
	c -= rotl32(b, 14)
	a ^= c
	a -= rotl32(c, 11)
	b ^= a
	b -= rotl32(a, 25)
	c ^= b
	c -= rotl32(b, 16)
	a ^= c
	a -= rotl32(c, 4)
	b ^= a
	b -= rotl32(a, 14)
	c ^= b
	c -= rotl32(b, 24)
	return c
}
