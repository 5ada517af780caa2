package dnode

import "strconv"

// Type is the message type field (docs/compat.md §5.2, C enum dmsg_type).
type Type uint8

// Message types. Values are the wire numbers.
const (
	TypeUnknown          Type = 0  // DMSG_UNKNOWN
	TypeDebug            Type = 1  // DMSG_DEBUG, unused
	TypeParseError       Type = 2  // DMSG_PARSE_ERROR, unused
	TypeReq              Type = 3  // DMSG_REQ: run on the receiver's own datastore
	TypeReqForward       Type = 4  // DMSG_REQ_FORWARD: from another DC; replicate to every rack of the receiver's DC
	TypeRes              Type = 5  // DMSG_RES: a response, msg_id echoes the request's
	TypeCryptoHandshake  Type = 6  // CRYPTO_HANDSHAKE: defined, dropped on receipt
	TypeGossipSyn        Type = 7  // GOSSIP_SYN: gossip payload, no reply expected
	TypeGossipSynReply   Type = 8  // GOSSIP_SYN_REPLY: dropped on receipt
	TypeGossipAck        Type = 9  // GOSSIP_ACK, unused
	TypeGossipDigestSyn  Type = 10 // GOSSIP_DIGEST_SYN, unused
	TypeGossipDigestAck  Type = 11 // GOSSIP_DIGEST_ACK, unused
	TypeGossipDigestAck2 Type = 12 // GOSSIP_DIGEST_ACK2, unused
	TypeGossipShutdown   Type = 13 // GOSSIP_SHUTDOWN, unused
)

var typeNames = [...]string{
	TypeUnknown:          "DMSG_UNKNOWN",
	TypeDebug:            "DMSG_DEBUG",
	TypeParseError:       "DMSG_PARSE_ERROR",
	TypeReq:              "DMSG_REQ",
	TypeReqForward:       "DMSG_REQ_FORWARD",
	TypeRes:              "DMSG_RES",
	TypeCryptoHandshake:  "CRYPTO_HANDSHAKE",
	TypeGossipSyn:        "GOSSIP_SYN",
	TypeGossipSynReply:   "GOSSIP_SYN_REPLY",
	TypeGossipAck:        "GOSSIP_ACK",
	TypeGossipDigestSyn:  "GOSSIP_DIGEST_SYN",
	TypeGossipDigestAck:  "GOSSIP_DIGEST_ACK",
	TypeGossipDigestAck2: "GOSSIP_DIGEST_ACK2",
	TypeGossipShutdown:   "GOSSIP_SHUTDOWN",
}

// String returns the C name of t ("DMSG_REQ"), or "Type(n)" for a number
// outside the table. A Parser accepts any number 0..255; callers decide
// what to do with types they do not handle.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// Known reports whether t is one of the types of docs/compat.md §5.2.
func (t Type) Known() bool { return int(t) < len(typeNames) }

// IsRequest reports whether t carries a request for a datastore
// (TypeReq or TypeReqForward).
func (t Type) IsRequest() bool { return t == TypeReq || t == TypeReqForward }

// Flags is the bit field after the type. The parser keeps the low 4 bits,
// as C Dynomite does.
type Flags uint8

const (
	// FlagEncrypted: the payload is AES encrypted and payload_len is exact
	// (docs/compat.md §5.4). C Dynomite's receiver decrypts only when flags == 1.
	FlagEncrypted Flags = 1 << 0
	// FlagCompressed is defined by C Dynomite and never set.
	FlagCompressed Flags = 1 << 1
)
