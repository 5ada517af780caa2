package resp

// HELLO [protover [AUTH username password] [SETNAME clientname]]: the
// arguments as redis-server 7.0 reads them, and the map it answers.
// Authentication and the switch of protocol are the caller's; the order
// Redis follows is: version, options left to right (the first bad one is
// the error), then AUTH (a failure is the reply), then NOAUTH when the
// connection is not authenticated, then SETNAME and the switch.

// Hello holds the arguments of one HELLO request. Its byte slices are
// sub-slices of the request's arguments, valid as long as they are.
type Hello struct {
	// Proto is the version asked for, 2 or 3; 0 when HELLO named none
	// (the connection keeps its protocol).
	Proto int

	// Auth reports an AUTH option; User and Pass are its arguments (the
	// last AUTH given wins, as in Redis).
	Auth       bool
	User, Pass []byte

	// SetName reports a SETNAME option; Name is its argument, already
	// validated (may be empty: that clears the name).
	SetName bool
	Name    []byte
}

// HELLO's error replies, Redis 7.0's texts.
var (
	// ReplyHelloBadProto answers a version that is not an integer.
	ReplyHelloBadProto = []byte("-ERR Protocol version is not an integer or out of range\r\n")

	// ReplyNoProto answers a version other than 2 and 3.
	ReplyNoProto = []byte("-NOPROTO unsupported protocol version\r\n")

	// ReplyBadClientName answers a client name with a byte outside '!'
	// to '~' (HELLO SETNAME and CLIENT SETNAME).
	ReplyBadClientName = []byte("-ERR Client names cannot contain spaces, newlines or special characters.\r\n")

	// ReplyHelloNoAuth answers HELLO without AUTH on a connection that
	// has not authenticated yet.
	ReplyHelloNoAuth = []byte("-NOAUTH HELLO must be called with the client already authenticated, " +
		"otherwise the HELLO AUTH <user> <pass> option can be used to authenticate " +
		"the client and select the RESP protocol version at the same time\r\n")
)

// ParseHello reads the arguments of a HELLO request (args[0] is the
// command name) into h. It returns dst and true, or dst with Redis's
// exact error reply appended and false. It does not allocate beyond
// growing dst.
func ParseHello(dst []byte, args [][]byte, h *Hello) ([]byte, bool) {
	*h = Hello{}
	next := 1
	if len(args) > 1 {
		v, ok := parseInt(args[1])
		if !ok {
			return append(dst, ReplyHelloBadProto...), false
		}
		if v != 2 && v != 3 {
			return append(dst, ReplyNoProto...), false
		}
		h.Proto, next = int(v), 2
	}
	for j := next; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case equalFold(args[j], "AUTH") && more >= 2:
			h.Auth, h.User, h.Pass = true, args[j+1], args[j+2]
			j += 2
		case equalFold(args[j], "SETNAME") && more >= 1:
			if !ValidClientName(args[j+1]) {
				return append(dst, ReplyBadClientName...), false
			}
			h.SetName, h.Name = true, args[j+1]
			j++
		default:
			dst = append(dst, "-ERR Syntax error in HELLO option '"...)
			for _, c := range args[j] {
				dst = append(dst, oneLine(c))
			}
			return append(dst, "'\r\n"...), false
		}
	}
	return dst, true
}

// ValidClientName reports whether name may name a connection: every byte
// between '!' and '~', as Redis requires. The empty name is valid.
func ValidClientName(name []byte) bool {
	for _, c := range name {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}

// HelloReply is what HELLO answers: the server's identity and the
// connection's protocol and id.
type HelloReply struct {
	Server  string // "redis"
	Version string // "7.0.15"
	Proto   int    // the protocol after HELLO, which the reply is in
	ID      int64  // the connection's id (CLIENT ID)
	Mode    string // "standalone", "cluster" or "sentinel"
	Role    string // "master" or "replica"
}

// AppendHelloReply appends HELLO's reply map in r.Proto, with the fields
// and order of redis-server 7.0 (server, version, proto, id, mode, role,
// and an empty modules list).
func AppendHelloReply(dst []byte, r *HelloReply) []byte {
	dst = AppendMap(dst, 7, r.Proto)
	dst = AppendBulkString(dst, "server")
	dst = AppendBulkString(dst, r.Server)
	dst = AppendBulkString(dst, "version")
	dst = AppendBulkString(dst, r.Version)
	dst = AppendBulkString(dst, "proto")
	dst = AppendInt(dst, int64(r.Proto))
	dst = AppendBulkString(dst, "id")
	dst = AppendInt(dst, r.ID)
	dst = AppendBulkString(dst, "mode")
	dst = AppendBulkString(dst, r.Mode)
	dst = AppendBulkString(dst, "role")
	dst = AppendBulkString(dst, r.Role)
	dst = AppendBulkString(dst, "modules")
	return AppendArray(dst, 0)
}
