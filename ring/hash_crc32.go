package ring

import "hash/crc32"

// CRC32 is the `crc32` hash, the libmemcached variant: the standard CRC-32
// (IEEE 802.3, reflected polynomial 0xedb88320, init and final xor
// 0xffffffff) shifted right by 16 and masked to 15 bits. Its values are in
// 0..32767, so with this hash only tokens below 32768 ever own keys.
func CRC32(key []byte) uint32 {
	return crc32.ChecksumIEEE(key) >> 16 & 0x7fff
}

// CRC32A is the `crc32a` hash: the full standard CRC-32 (IEEE) of the key,
// the value `cksum -o 3` and zlib's crc32 print.
func CRC32A(key []byte) uint32 {
	return crc32.ChecksumIEEE(key)
}
