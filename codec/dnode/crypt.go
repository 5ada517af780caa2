package dnode

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"unsafe"
)

// Payload encryption of a secured peer link, as C Dynomite does it
// (docs/compat.md §5.4):
//
//	session key: 32 random bytes per connection; only key[:16] is used
//	cipher:      AES-128-CBC, key = key[:16], IV = key[:16] for every chunk
//	chunks:      the payload is cut into chunks of `chunk` plaintext bytes
//	             (C: one mbuf each, MbufChunk(mbuf_size)); each chunk is
//	             padded (PKCS#7) and encrypted on its own, the IV reset to
//	             the key
//	payload_len: the total ciphertext length, CipherLen(len(plain), chunk)
//
//	plain:  |<---- chunk ---->|<---- chunk ---->|<- rest ->|
//	cipher: |<- chunk+pad ->  |<- chunk+pad ->  |<-rest+pad->|
//
// A chunk of n bytes encrypts to (n/16+1)*16 bytes: PKCS#7 always adds
// 1..16 bytes, a whole block of 16 when n is a multiple of 16. So the
// receiver must cut the ciphertext with the same chunk size as the sender
// (C requires equal mbuf_size on all nodes for the same reason). There is
// no MAC: a wrong key or a changed byte shows up as bad padding
// (ErrBadPadding) in all but about 1 in 256 chunks, and otherwise as
// garbage for the payload codec to reject.
//
// The chunk of C Dynomite (64-bit builds), from its mbuf layout: an mbuf
// is one allocation of mbuf_size+16 bytes whose last 64 bytes are its
// header (struct mbuf); the 16 bytes before the header are room for
// padding. Data is written up to mbuf_size-64 bytes, so a sender's message
// mbufs, each encrypted on its own, hold MbufChunk(mbuf_size) plaintext
// bytes (all but the last); each encrypts to exactly mbuf_size-48 bytes,
// the whole mbuf with its padding room. A receiver moves the payload to a
// fresh mbuf (the frame header stays in its own) and decrypts each
// mbuf_size-48 bytes of ciphertext as one chunk, then the rest. EncryptAppend
// and DecryptAppend with chunk = MbufChunk(mbuf_size) make and expect that
// cut, so frames of any size cross between C nodes and this one.

// Errors of the encryption layer. Compare with errors.Is. Each means the
// connection cannot be trusted any more and should be closed.
var (
	// ErrTruncated: the ciphertext is empty or a chunk is not a whole
	// number of AES blocks.
	ErrTruncated = errors.New("dnode: encrypted payload is truncated (not a whole number of AES blocks)")
	// ErrBadPadding: a decrypted chunk does not end in valid PKCS#7
	// padding: a wrong key, a wrong chunk size or garbage ciphertext.
	ErrBadPadding = errors.New("dnode: encrypted payload has bad padding (wrong key or garbage)")
	// ErrChunkMismatch: a decrypted chunk is longer than the chunk size,
	// or a chunk before the last is shorter: the sender cut its payload
	// with another chunk size.
	ErrChunkMismatch = errors.New("dnode: encrypted chunk does not match the chunk size")
	// ErrChunkSize: the chunk size is not positive.
	ErrChunkSize = errors.New("dnode: encryption chunk size must be positive")
	// ErrOverlap: dst and src share memory, which CBC decryption into an
	// appended buffer cannot do.
	ErrOverlap = errors.New("dnode: decryption buffers overlap")
)

// SessionKeyLen is the length of a connection's random key (C: AES_KEYLEN).
// AES-128 uses its first 16 bytes; the rest only travels in the RSA blob.
const SessionKeyLen = 32

// SessionKey is one connection's random key.
type SessionKey [SessionKeyLen]byte

// NewSessionKey reads a fresh key from rand (crypto/rand.Reader in
// production). The key holds no zero byte: C Dynomite's receiver copies
// the unwrapped key with strncpy up to the first zero byte, so a key with
// one would be cut short on a C node and the link would carry garbage. It
// reads more random bytes in place of any zero it draws (a bounded number
// of times; an all-zero source gives an error).
func NewSessionKey(rand io.Reader) (SessionKey, error) {
	var k SessionKey
	if _, err := io.ReadFull(rand, k[:]); err != nil {
		return k, fmt.Errorf("cannot read a session key: %w", err)
	}
	var one [1]byte
	for i := range k {
		for try := 0; k[i] == 0; try++ {
			if try == 64 {
				return k, errors.New("cannot read a session key: the random source gives only zeros")
			}
			if _, err := io.ReadFull(rand, one[:]); err != nil {
				return k, fmt.Errorf("cannot read a session key: %w", err)
			}
			k[i] = one[0]
		}
	}
	return k, nil
}

// MbufHeaderSize is the size of C Dynomite's mbuf header (struct mbuf on
// a 64-bit build: a 4-byte magic padded to 8, six pointers, two 4-byte
// fields), which takes that much of each mbuf_size buffer.
const MbufHeaderSize = 64

// MbufChunk returns the plaintext chunk size of C Dynomite's peer
// encryption for mbuf_size: mbufSize - MbufHeaderSize, the data bytes of
// one mbuf. Its ciphertext, CipherLen(MbufChunk(m), MbufChunk(m)), is
// m - 48 bytes when m is a multiple of 16 (as the configuration requires).
// A result that is not positive (mbufSize <= 64) makes EncryptAppend and
// DecryptAppend fail with ErrChunkSize.
func MbufChunk(mbufSize int) int { return mbufSize - MbufHeaderSize }

// ivSetter is what crypto/cipher's CBC modes implement to restart with
// a new IV without a new object.
type ivSetter interface {
	cipher.BlockMode
	SetIV([]byte)
}

// Cipher is one connection's AES state: C's per-connection aes_key.
// NewCipher allocates; EncryptAppend and DecryptAppend do not, given a dst
// with the capacity they need. A Cipher is not safe for concurrent use:
// keep one per connection (a secured link encrypts in one goroutine and
// decrypts in one, or use two Ciphers from the same key).
type Cipher struct {
	iv   [aes.BlockSize]byte
	last [aes.BlockSize]byte // the padded last block; a local would escape to the heap
	enc  ivSetter
	dec  ivSetter
}

// NewCipher returns the Cipher of key k (AES-128 with k[:16]).
func NewCipher(k SessionKey) (*Cipher, error) {
	c := &Cipher{}
	copy(c.iv[:], k[:aes.BlockSize])
	b, err := aes.NewCipher(c.iv[:])
	if err != nil {
		return nil, fmt.Errorf("cannot create the AES cipher: %w", err)
	}
	enc, ok1 := cipher.NewCBCEncrypter(b, c.iv[:]).(ivSetter)
	dec, ok2 := cipher.NewCBCDecrypter(b, c.iv[:]).(ivSetter)
	if !ok1 || !ok2 {
		panic("BUG: crypto/cipher CBC modes have no SetIV")
	}
	c.enc, c.dec = enc, dec
	return c, nil
}

// chunkCipherLen is the ciphertext length of one chunk of n plaintext bytes.
func chunkCipherLen(n int) int { return (n/aes.BlockSize + 1) * aes.BlockSize }

// CipherLen returns the ciphertext length of plainLen bytes cut into chunks
// of chunk bytes: the payload_len of the frame. An empty payload is one
// chunk (one block of padding). chunk must be positive.
func CipherLen(plainLen, chunk int) int {
	if chunk <= 0 {
		return 0
	}
	full, rest := plainLen/chunk, plainLen%chunk
	n := full * chunkCipherLen(chunk)
	if rest > 0 || full == 0 {
		n += chunkCipherLen(rest)
	}
	return n
}

// EncryptAppend appends the encryption of src, cut into chunks of chunk
// bytes, to dst and returns the extended slice; it adds exactly
// CipherLen(len(src), chunk) bytes. It allocates only when dst lacks that
// capacity. dst and src must not overlap. A chunk size that is not
// positive gives ErrChunkSize.
func (c *Cipher) EncryptAppend(dst, src []byte, chunk int) ([]byte, error) {
	if chunk <= 0 {
		return dst, ErrChunkSize
	}
	start := len(dst)
	dst = grow(dst, CipherLen(len(src), chunk))
	out := dst[start:]
	for first := true; first || len(src) > 0; first = false {
		n := min(chunk, len(src))
		out = c.encryptChunk(out, src[:n])
		src = src[n:]
	}
	return dst, nil
}

// encryptChunk encrypts one chunk into out (which has room for it) and
// returns out after the written bytes.
func (c *Cipher) encryptChunk(out, p []byte) []byte {
	c.enc.SetIV(c.iv[:])
	whole := len(p) &^ (aes.BlockSize - 1)
	if whole > 0 {
		c.enc.CryptBlocks(out[:whole], p[:whole])
	}
	pad := byte(aes.BlockSize - (len(p) - whole))
	copy(c.last[:], p[whole:])
	for i := len(p) - whole; i < aes.BlockSize; i++ {
		c.last[i] = pad
	}
	c.enc.CryptBlocks(out[whole:whole+aes.BlockSize], c.last[:])
	return out[whole+aes.BlockSize:]
}

// DecryptAppend appends the decryption of src, a ciphertext made by
// EncryptAppend (or C Dynomite) with the same chunk size, to dst and
// returns the extended slice. It adds at most len(src) bytes and allocates
// only when dst lacks that capacity. dst's spare capacity must not overlap
// src (ErrOverlap). On error dst is returned with its original length;
// its spare capacity may hold partly decrypted bytes. Errors:
// ErrTruncated, ErrBadPadding, ErrChunkMismatch, ErrChunkSize, ErrOverlap.
func (c *Cipher) DecryptAppend(dst, src []byte, chunk int) ([]byte, error) {
	if chunk <= 0 {
		return dst, ErrChunkSize
	}
	if len(src) == 0 || len(src)%aes.BlockSize != 0 {
		return dst, ErrTruncated
	}
	start := len(dst)
	buf := grow(dst, len(src))
	if overlap(buf[start:start+len(src)], src) {
		return dst, ErrOverlap
	}
	step := chunkCipherLen(chunk)
	w := start
	for len(src) > 0 {
		n := min(step, len(src))
		out := buf[w : w+n]
		c.dec.SetIV(c.iv[:])
		c.dec.CryptBlocks(out, src[:n])
		pad := int(out[n-1])
		if pad == 0 || pad > aes.BlockSize || !padded(out[n-pad:n], byte(pad)) {
			return dst, ErrBadPadding
		}
		if got := n - pad; got > chunk || (n == step && n < len(src) && got != chunk) {
			return dst, ErrChunkMismatch
		}
		w += n - pad
		src = src[n:]
	}
	return buf[:w], nil
}

// padded reports whether every byte of b is p.
func padded(b []byte, p byte) bool {
	for _, x := range b {
		if x != p {
			return false
		}
	}
	return true
}

// grow returns dst with room for n more bytes; its length grows by n.
func grow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) < n {
		d := make([]byte, len(dst), len(dst)+n)
		copy(d, dst)
		dst = d
	}
	return dst[:len(dst)+n]
}

// overlap reports whether a and b share memory.
func overlap(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa, pb := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	return pa < pb+uintptr(len(b)) && pb < pa+uintptr(len(a))
}
