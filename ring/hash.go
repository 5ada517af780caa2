package ring

import "fmt"

// HashFunc maps a key (already reduced by the hash tag, see HashTag) to a
// 32-bit token. Every HashFunc of this package is a pure function: safe for
// concurrent use, allocation free, and it never retains key.
type HashFunc func(key []byte) uint32

// The table below is the `hash:` configuration key: names and order as in
// C Dynomite's hashkit (HASH_CODEC), so an index here equals the C enum
// value. Each function lives in its own file, hash_<name>.go, whose
// comment gives the facts that make it produce the same value as C.
//
// Byte order and char signedness follow C Dynomite built for x86-64, the
// platform it ships on: 4-byte words are read little-endian and a plain C
// char is signed (one_at_a_time and hsieh depend on that for bytes >= 0x80).
var hashTable = [...]struct {
	name string
	fn   HashFunc
}{
	{"one_at_a_time", OneAtATime},
	{"md5", MD5},
	{"crc16", CRC16},
	{"crc32", CRC32},
	{"crc32a", CRC32A},
	{"fnv1_64", FNV1_64},
	{"fnv1a_64", FNV1A_64},
	{"fnv1_32", FNV1_32},
	{"fnv1a_32", FNV1A_32},
	{"hsieh", Hsieh},
	{"murmur", Murmur},
	{"jenkins", Jenkins},
	{"murmur3", Murmur3},
}

// DefaultHash is the name used when the configuration sets no `hash:`.
const DefaultHash = "murmur"

// HashByName returns the hash function for a `hash:` value. Names are
// matched exactly (lower case), as C Dynomite does; an unknown name gives an
// error wrapping ErrUnknownHash.
func HashByName(name string) (HashFunc, error) {
	for _, h := range hashTable {
		if h.name == name {
			return h.fn, nil
		}
	}
	return nil, fmt.Errorf("%q: %w", name, ErrUnknownHash)
}

// HashNames returns every accepted `hash:` value in C Dynomite's order.
// The slice is freshly allocated; callers may keep or modify it.
func HashNames() []string {
	names := make([]string, len(hashTable))
	for i, h := range hashTable {
		names[i] = h.name
	}
	return names
}
