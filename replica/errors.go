package replica

// Code is a Dynomite error code (docs/compat.md §8.5). The engine turns it into a client
// reply: `-ERR <source> <message>` for Redis, `SERVER_ERROR <source> <message>`
// for Memcached; Text returns "<source> <message>".
type Code uint8

// Error codes, with Dynomite's numbering.
const (
	NoError          Code = 0
	UnknownError     Code = 1
	InvalidState     Code = 2
	InvalidAdminReq  Code = 3
	PeerRefused      Code = 4
	PeerDown         Code = 5
	PeerNotConnected Code = 6
	StorageRefused   Code = 7
	BadFormat        Code = 8
	NoQuorum         Code = 9
	ScriptSpansNodes Code = 10
	PayloadTooLarge  Code = 11
	StorageTimeout   Code = 12 // ours: C closes the connection and reports StorageRefused
	PeerTimeout      Code = 13 // ours
	TooManyInFlight  Code = 14 // ours: max_msgs reached
	PeerThrottled    Code = 15 // ours: conn_msg_rate queue full
	codeCount             = 16
)

var codeText = [codeCount]string{
	NoError:          "unknown: unknown",
	UnknownError:     "unknown: Unknown Error",
	InvalidState:     "Dynomite: Dynomite's current state does not allow this request",
	InvalidAdminReq:  "Dynomite: Invalid request in Dynomite's admin mode",
	PeerRefused:      "Peer: Peer Node refused connection",
	PeerDown:         "Peer: Peer Node is down",
	PeerNotConnected: "Peer: Peer Node is not connected",
	StorageRefused:   "Storage: Datastore refused connection",
	BadFormat:        "unknown: Exec format error",
	NoQuorum:         "Dynomite: Failed to achieve Quorum",
	ScriptSpansNodes: "Dynomite: Keys in the script cannot span multiple nodes",
	PayloadTooLarge:  "Dynomite: MSET/MGET/SCAN payload too large",
	StorageTimeout:   "Storage: Datastore timed out",
	PeerTimeout:      "Peer: Peer Node timed out",
	TooManyInFlight:  "Dynomite: too many requests in flight (max_msgs)",
	PeerThrottled:    "Peer: Peer Node message rate exceeded (conn_msg_rate)",
}

// Text returns "<source> <message>" as Dynomite writes it after -ERR or SERVER_ERROR.
func (c Code) Text() string {
	if int(c) < len(codeText) {
		return codeText[c]
	}
	return codeText[UnknownError]
}

// String returns Text.
func (c Code) String() string { return c.Text() }
