package dnode

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
)

// The session key travels once per connection, in the data blob of the
// first secured frame (Secured): RSA-encrypted with OAEP padding (SHA-1 for
// the hash and MGF1, no label: OpenSSL's RSA_PKCS1_OAEP_PADDING) under the
// cluster's one key pair, the pem_key_file every node shares. The blob is
// exactly the key's modulus size: 128 bytes for the 1024-bit key C
// Dynomite ships.

// Errors of the key exchange. Compare with errors.Is.
var (
	// ErrPEM: the pem_key_file holds no RSA private key.
	ErrPEM = errors.New("dnode: no RSA private key in PEM data")
	// ErrKeyBlobSize: a key blob whose length is not the RSA key's size.
	ErrKeyBlobSize = errors.New("dnode: encrypted session key has the wrong size")
	// ErrKeyBlob: a key blob that does not decrypt under the RSA key
	// (another key pair, or garbage).
	ErrKeyBlob = errors.New("dnode: encrypted session key does not decrypt")
	// ErrSessionKeyLen: a blob that decrypts to something other than a
	// 32-byte session key.
	ErrSessionKeyLen = errors.New("dnode: decrypted session key has the wrong length")
)

// RSAKey is the cluster's key pair. It is immutable and safe for
// concurrent use.
type RSAKey struct {
	priv *rsa.PrivateKey
}

// ParseRSAKey reads the first RSA private key in PEM data: PKCS#1
// ("RSA PRIVATE KEY", what C Dynomite's PEM_read_RSAPrivateKey reads) or
// PKCS#8 ("PRIVATE KEY") holding an RSA key. It does no I/O.
func ParseRSAKey(data []byte) (*RSAKey, error) {
	for len(data) > 0 {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch b.Type {
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("cannot parse the RSA private key: %w", err)
			}
			return &RSAKey{priv: k}, nil
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("cannot parse the private key: %w", err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("cannot use the private key: %w (it is %T)", ErrPEM, k)
			}
			return &RSAKey{priv: rk}, nil
		}
	}
	return nil, ErrPEM
}

// Size returns the length of a key blob: the modulus size in bytes (128
// for a 1024-bit key). It is the data_len of the first secured frame.
func (k *RSAKey) Size() int { return k.priv.Size() }

// WrapAppend appends the RSA-OAEP encryption of s (Size() bytes, different
// every call) to dst, reading randomness from rand. Once per connection;
// it allocates.
func (k *RSAKey) WrapAppend(dst []byte, s SessionKey, rand io.Reader) ([]byte, error) {
	blob, err := rsa.EncryptOAEP(sha1.New(), rand, &k.priv.PublicKey, s[:], nil)
	if err != nil {
		return dst, fmt.Errorf("cannot encrypt the session key: %w", err)
	}
	return append(dst, blob...), nil
}

// Unwrap decrypts a key blob received in a secured frame's data. Errors:
// ErrKeyBlobSize, ErrKeyBlob, ErrSessionKeyLen. Once per connection; it
// allocates.
func (k *RSAKey) Unwrap(blob []byte) (SessionKey, error) {
	var s SessionKey
	if len(blob) != k.Size() {
		return s, fmt.Errorf("%w: got %d bytes, want %d", ErrKeyBlobSize, len(blob), k.Size())
	}
	p, err := rsa.DecryptOAEP(sha1.New(), nil, k.priv, blob, nil)
	if err != nil {
		return s, ErrKeyBlob
	}
	if len(p) != SessionKeyLen {
		return s, fmt.Errorf("%w: got %d bytes, want %d", ErrSessionKeyLen, len(p), SessionKeyLen)
	}
	copy(s[:], p)
	return s, nil
}

// Secured returns the header of an encrypted frame (FlagEncrypted set).
// blob is the wrapped session key on the first frame a connection sends
// with its own key (C: the outgoing peer connection's first secured
// frame), nil on every later frame and on the replies of a receiving
// connection, which use the key they were sent (data "d"). cipherLen is
// the ciphertext length, CipherLen(len(payload), chunk). blob is not
// copied: keep it unchanged until the header is written.
func Secured(id uint64, t Type, sameDC bool, blob []byte, cipherLen uint32) Header {
	h := Header{MsgID: id, Type: t, Flags: FlagEncrypted, Version: Version1, SameDC: sameDC, Data: dataPlain, PayloadLen: cipherLen}
	if len(blob) > 0 {
		h.Data = blob
	}
	return h
}
