package ring

// CRC16 is the `crc16` hash: the CRC-16/XMODEM recurrence (polynomial
// 0x1021, initial value 0, no reflection, no final xor), table driven.
//
// C compatibility: hashkit keeps the running value in a uint32 and never
// masks it to 16 bits, so the bits shifted out of the low half stay in the
// result. The low 16 bits are the XMODEM CRC of the key; bits 16..23 hold
// the high byte of the CRC of the key without its last byte, and bits
// 24..31 the high byte of the CRC of the key without its last two bytes.
// We keep that 32-bit value, because it is what places keys in C Dynomite.
func CRC16(key []byte) uint32 {
	var crc uint32
	for _, b := range key {
		crc = crc<<8 ^ uint32(crc16Table[byte(crc>>8)^b])
	}
	return crc
}

// crc16Table is computed once at package initialisation and never written
// again.
var crc16Table = makeCRC16Table(0x1021)

func makeCRC16Table(poly uint16) (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ poly
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}
