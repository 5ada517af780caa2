package dnode

import "strconv"

// Header is one parsed or to-be-written frame header.
type Header struct {
	// MsgID is the coordinator's message id in a request; a response echoes
	// it; gossip uses its own counter.
	MsgID uint64
	// Type is the message type.
	Type Type
	// Flags holds FlagEncrypted (and the unused FlagCompressed).
	Flags Flags
	// Version is always Version1 from C Dynomite.
	Version uint8
	// SameDC is true when sender and receiver are in the same datacenter
	// (wire "1"); the receiver copies it onto its connection.
	SameDC bool
	// Data is "d" for requests and responses, "a" for unencrypted gossip,
	// and, on the first encrypted frame of a connection, the session key
	// encrypted with the cluster's RSA key (docs/compat.md §5.4). After Parse it is a
	// sub-slice of the parsed buffer, valid until that buffer is modified or
	// released; AppendHeader only reads it.
	Data []byte
	// PayloadLen is the number of payload bytes after the header. Exact for
	// encrypted frames; for unencrypted ones C Dynomite's receiver ignores
	// it and some senders write 0, so the payload codec must find the end.
	PayloadLen uint32
}

// Version1 is the only version C Dynomite writes (VERSION_10).
const Version1 uint8 = 1

// The data blobs C Dynomite writes when no key travels with the frame.
// Headers built by Plain and Gossip share these slices: do not modify
// their Data.
var (
	dataPlain  = []byte{'d'}
	dataGossip = []byte{'a'}
)

// Plain returns the header C Dynomite writes for an unencrypted request or
// response: version 1, flags 0, data "d". Its Data must not be modified.
func Plain(id uint64, t Type, sameDC bool, payloadLen uint32) Header {
	return Header{MsgID: id, Type: t, Version: Version1, SameDC: sameDC, Data: dataPlain, PayloadLen: payloadLen}
}

// Gossip returns the header of an unencrypted GOSSIP_SYN: data "a". Its
// Data must not be modified.
func Gossip(id uint64, sameDC bool, payloadLen uint32) Header {
	return Header{MsgID: id, Type: TypeGossipSyn, Version: Version1, SameDC: sameDC, Data: dataGossip, PayloadLen: payloadLen}
}

// Encrypted reports whether the payload is encrypted (FlagEncrypted).
func (h *Header) Encrypted() bool { return h.Flags&FlagEncrypted != 0 }

// CarriesKey reports whether Data holds an encrypted session key rather
// than the one-byte placeholder: C Dynomite sends the key in the data blob
// of the first encrypted frame on a connection.
func (h *Header) CarriesKey() bool { return h.Encrypted() && len(h.Data) > 1 }

// magic is what Parse scans for; AppendHeader writes it after three spaces.
const (
	magic  = "$2014$"
	prefix = "   " + magic + " "
)

// AppendHeader appends h in wire form to dst and returns the extended
// slice, byte for byte what C Dynomite's dmsg_write produces for the same
// fields. It allocates only when dst lacks capacity (a header is at most
// 71 bytes plus len(h.Data)).
func AppendHeader(dst []byte, h Header) []byte {
	dst = append(dst, prefix...)
	dst = strconv.AppendUint(dst, h.MsgID, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, uint64(h.Type), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, uint64(h.Flags), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, uint64(h.Version), 10)
	if h.SameDC {
		dst = append(dst, " 1 *"...)
	} else {
		dst = append(dst, " 0 *"...)
	}
	dst = strconv.AppendUint(dst, uint64(len(h.Data)), 10)
	dst = append(dst, ' ')
	dst = append(dst, h.Data...)
	dst = append(dst, " *"...)
	dst = strconv.AppendUint(dst, uint64(h.PayloadLen), 10)
	return append(dst, '\r', '\n')
}
