package ring

import (
	"crypto/md5"
	"encoding/binary"
)

// MD5 is the `md5` hash: the MD5 digest of the key (RFC 1321) folded to 32
// bits by reading its first four bytes as a little-endian integer
// (digest[0] is the least significant byte), as hashkit's hash_md5 does.
func MD5(key []byte) uint32 {
	sum := md5.Sum(key)
	return binary.LittleEndian.Uint32(sum[:4])
}
