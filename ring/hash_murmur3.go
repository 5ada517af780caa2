package ring

import "encoding/binary"

// Murmur3 is the `murmur3` hash: MurmurHash3_x86_32 with seed 0.
//
// C Dynomite accepts `hash: murmur3` but its function is an empty stub
// that leaves every token unset, so no placement exists to be compatible
// with. We use the reference algorithm with seed 0, the seed most
// libraries default to, so a key's token can be computed with any
// MurmurHash3 implementation (for example murmur3_32("hello", 0) =
// 0x248bfa47). A cluster using murmur3 must not mix in C nodes.
func Murmur3(key []byte) uint32 {
	return murmur3x86(key, 0)
}

func murmur3x86(key []byte, seed uint32) uint32 {
	const (
		c1 = 0xcc9e2d51
		c2 = 0x1b873593
	)
	n := uint32(len(key))
	h := seed
	for len(key) >= 4 {
		k := binary.LittleEndian.Uint32(key)
		k *= c1
		k = rotl32(k, 15)
		k *= c2
		h ^= k
		h = rotl32(h, 13)
		h = h*5 + 0xe6546b64
		key = key[4:]
	}
	var k uint32
	switch len(key) {
	case 3:
		k ^= uint32(key[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(key[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(key[0])
		k *= c1
		k = rotl32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= n
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
