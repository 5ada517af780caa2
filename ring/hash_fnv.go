package ring

// The four FNV hashes of hashkit. Offset bases and primes are the published
// FNV parameters (http://www.isthe.com/chongo/tech/comp/fnv/).
const (
	fnv64Offset = 0xcbf29ce484222325
	fnv64Prime  = 0x100000001b3
	fnv32Offset = 2166136261
	fnv32Prime  = 16777619
)

// FNV1_64 is the `fnv1_64` hash: 64-bit FNV-1 (multiply, then xor) of the
// key, truncated to its low 32 bits.
func FNV1_64(key []byte) uint32 {
	h := uint64(fnv64Offset)
	for _, b := range key {
		h *= fnv64Prime
		h ^= uint64(b)
	}
	return uint32(h)
}

// FNV1A_64 is the `fnv1a_64` hash. hashkit computes it in 32 bits with the
// low halves of the 64-bit offset basis (0x84222325) and prime (0x1b3).
// Because the low 32 bits of a product depend only on the low 32 bits of
// its factors, this equals the low 32 bits of a true 64-bit FNV-1a, which
// is how the tests check it.
func FNV1A_64(key []byte) uint32 {
	h := uint32(fnv64Offset & 0xffffffff)
	for _, b := range key {
		h ^= uint32(b)
		h *= fnv64Prime & 0xffffffff
	}
	return h
}

// FNV1_32 is the `fnv1_32` hash: 32-bit FNV-1 (multiply, then xor).
func FNV1_32(key []byte) uint32 {
	h := uint32(fnv32Offset)
	for _, b := range key {
		h *= fnv32Prime
		h ^= uint32(b)
	}
	return h
}

// FNV1A_32 is the `fnv1a_32` hash: 32-bit FNV-1a (xor, then multiply).
func FNV1A_32(key []byte) uint32 {
	h := uint32(fnv32Offset)
	for _, b := range key {
		h ^= uint32(b)
		h *= fnv32Prime
	}
	return h
}
