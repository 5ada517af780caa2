package secure

import (
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/dynomite-go/dynomite/codec/dnode"
)

// Dynomite's peer encryption on one connection (docs/compat.md §5.4), the
// state around codec/dnode's Cipher and RSAKey:
//
//	outgoing (peer-out): NewOutgoing draws the connection's key; the
//	  first frame carries it RSA-wrapped in the header's data, every frame
//	  (that one too) has its payload encrypted: Seal.
//	incoming (peer-in): the first flagged frame must carry a key blob;
//	  NewIncoming unwraps it with the pem key. Requests are decrypted
//	  (Open), replies encrypted with the same key (Seal, data "d").
//	replies on an outgoing connection: Open with the connection's key.
//
// A frame's ciphertext is payload_len bytes right after its header
// (Payload); each chunk of dnode.MbufChunk(mbuf_size) plaintext bytes (C
// Dynomite's mbuf data size) is encrypted on its own, so both ends must
// use the same mbuf_size.
//
// Memory: Seal appends to the caller's buffer and Open to the Session's
// plaintext buffer, which ResetInput empties and which keeps its capacity:
// no allocation per frame once the buffers have grown to the traffic's
// size. A Session is owned by one connection: Seal is called under the
// connection's output lock, Open and ResetInput on its reader (two
// Ciphers of one key, so the two sides may run at once).

// Errors of a secured connection; each closes it.
var (
	// ErrNoPeerKey: a flagged frame reached a node with no pem key
	// (secure_server_option none).
	ErrNoPeerKey = errors.New("secure: encrypted dnode frame but no pem_key_file is loaded (secure_server_option is none)")
	// ErrNoSessionKey: the first flagged frame of a connection did not
	// carry a key blob.
	ErrNoSessionKey = errors.New("secure: encrypted dnode frame before the session key was sent")
	// ErrPayloadEncrypted: an encrypted frame's payload did not decrypt
	// to exactly one request or reply.
	ErrPayloadEncrypted = errors.New("secure: decrypted payload is not one whole message")
)

// Session is one secured connection's keys and buffers.
type Session struct {
	enc, dec *dnode.Cipher
	chunk    int
	blob     []byte // the wrapped key, until the first Seal sends it
	plain    []byte // Open's output for the current input
}

// NewOutgoing starts the session of an outgoing peer connection: a fresh
// random key, wrapped with key for the first frame. chunk is the plaintext
// chunk size, dnode.MbufChunk(mbuf_size) to interoperate with C Dynomite.
// It allocates (once per connection).
func NewOutgoing(key *dnode.RSAKey, chunk int) (*Session, error) {
	if key == nil {
		return nil, ErrNoPeerKey
	}
	k, err := dnode.NewSessionKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	s, err := newSession(k, chunk)
	if err != nil {
		return nil, err
	}
	if s.blob, err = key.WrapAppend(nil, k, rand.Reader); err != nil {
		return nil, err
	}
	return s, nil
}

// NewIncoming starts the session of a receiving connection from the
// first flagged frame's header h: its key blob unwrapped with key (nil
// when the node has none: ErrNoPeerKey). A header without a blob is
// ErrNoSessionKey; a blob of the wrong size, or one that does not unwrap,
// is dnode's error.
func NewIncoming(key *dnode.RSAKey, h *dnode.Header, chunk int) (*Session, error) {
	if key == nil {
		return nil, ErrNoPeerKey
	}
	if !h.CarriesKey() {
		return nil, ErrNoSessionKey
	}
	k, err := key.Unwrap(h.Data)
	if err != nil {
		return nil, fmt.Errorf("cannot unwrap the session key: %w", err)
	}
	return newSession(k, chunk)
}

func newSession(k dnode.SessionKey, chunk int) (*Session, error) {
	if chunk <= 0 {
		return nil, dnode.ErrChunkSize
	}
	enc, err := dnode.NewCipher(k)
	if err != nil {
		return nil, err
	}
	dec, err := dnode.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return &Session{enc: enc, dec: dec, chunk: chunk}, nil
}

// Seal appends one secured frame to dst: h (its Flags, Data and
// PayloadLen are set here: the key blob on the connection's first frame,
// "d" after) and payload encrypted. It allocates only when dst lacks room.
func (s *Session) Seal(dst []byte, h dnode.Header, payload []byte) []byte {
	n := dnode.CipherLen(len(payload), s.chunk)
	h = dnode.Secured(h.MsgID, h.Type, h.SameDC, s.blob, uint32(n))
	dst = dnode.AppendHeader(dst, h)
	s.blob = nil
	dst, err := s.enc.EncryptAppend(dst, payload, s.chunk)
	if err != nil {
		panic("BUG: secure: the chunk size was checked by newSession")
	}
	return dst
}

// Payload returns the ciphertext of the encrypted frame whose header h
// ends where buf starts, and ok false while buf does not hold all of it.
func Payload(h *dnode.Header, buf []byte) (cipher []byte, ok bool) {
	n := int(h.PayloadLen)
	if len(buf) < n {
		return nil, false
	}
	return buf[:n], true
}

// Open decrypts cipher (a frame's payload, Payload) and returns the
// plaintext, valid until ResetInput. Errors are dnode's (truncated, bad
// padding, chunk mismatch).
func (s *Session) Open(cipher []byte) ([]byte, error) {
	start := len(s.plain)
	out, err := s.dec.DecryptAppend(s.plain, cipher, s.chunk)
	if err != nil {
		return nil, err
	}
	s.plain = out
	return out[start:], nil
}

// ResetInput empties the plaintext buffer: the slices Open returned are
// no longer valid. Call it before the connection's next input.
func (s *Session) ResetInput() {
	if cap(s.plain) > maxKeptPlain {
		s.plain = nil
		return
	}
	s.plain = s.plain[:0]
}

// maxKeptPlain is the largest plaintext buffer a Session keeps between
// inputs; a larger one (a large value went by) is left to the GC.
const maxKeptPlain = 1 << 20
