package memcache

import "strconv"

// Append-style encoders: each appends to dst and returns the extended slice.
// None uses fmt; none allocates when dst has room.

// Precomputed replies. Shared: append them, never modify them.
var (
	ReplyEnd    = []byte("END\r\n")
	ReplyError  = []byte("ERROR\r\n")
	ReplyStored = []byte("STORED\r\n")
	ReplyMN     = []byte("MN\r\n")
)

var crlf = []byte("\r\n")

// AppendRequest appends r in canonical form: its tokens joined by single
// spaces, "\r\n", then for storage commands and ms the data block and "\r\n".
// Parsing the result gives back the same request.
func AppendRequest(dst []byte, r *Request) []byte {
	for i, t := range r.Tokens {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, t...)
	}
	dst = append(dst, crlf...)
	if r.Cmd.Is(FlagData) {
		dst = append(dst, r.Value...)
		dst = append(dst, crlf...)
	}
	return dst
}

// AppendRetrieval appends "<cmd> [<exptime>] <key> <key>...\r\n" for a get,
// gets, gat or gats; exptime is the token as sent and is used by gat and gats
// only. It panics on another command, a caller's bug.
func AppendRetrieval(dst []byte, cmd Command, exptime []byte, keys [][]byte) []byte {
	if !cmd.Is(FlagMultiKey) {
		panic("BUG: memcache: AppendRetrieval called for " + cmd.String())
	}
	dst = append(dst, cmd.String()...)
	if cmd == CmdGat || cmd == CmdGats {
		dst = append(dst, ' ')
		dst = append(dst, exptime...)
	}
	for _, k := range keys {
		dst = append(dst, ' ')
		dst = append(dst, k...)
	}
	return append(dst, crlf...)
}

// AppendValue appends one VALUE block: "VALUE <key> <flags> <bytes>\r\n<data>\r\n".
func AppendValue(dst, key []byte, flags uint64, data []byte) []byte {
	dst = appendValueLine(dst, key, flags, len(data))
	dst = append(dst, crlf...)
	dst = append(dst, data...)
	return append(dst, crlf...)
}

// AppendValueCas appends one gets/gats VALUE block, with the cas unique.
func AppendValueCas(dst, key []byte, flags uint64, data []byte, cas uint64) []byte {
	dst = appendValueLine(dst, key, flags, len(data))
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, cas, 10)
	dst = append(dst, crlf...)
	dst = append(dst, data...)
	return append(dst, crlf...)
}

func appendValueLine(dst, key []byte, flags uint64, n int) []byte {
	dst = append(dst, "VALUE "...)
	dst = append(dst, key...)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, flags, 10)
	dst = append(dst, ' ')
	return strconv.AppendInt(dst, int64(n), 10)
}

// AppendServerError appends "SERVER_ERROR <source> <message>\r\n", the form
// of the proxy's own errors (Dynomite: source "Dynomite:", "Peer:",
// "Storage:" or "unknown:", e.g. "SERVER_ERROR Peer: Peer Node is not
// connected\r\n").
func AppendServerError(dst []byte, source, message string) []byte {
	dst = append(dst, "SERVER_ERROR "...)
	dst = append(dst, source...)
	dst = append(dst, ' ')
	dst = append(dst, message...)
	return append(dst, crlf...)
}

// AppendClientError appends "CLIENT_ERROR <message>\r\n".
func AppendClientError(dst []byte, message string) []byte {
	dst = append(dst, "CLIENT_ERROR "...)
	dst = append(dst, message...)
	return append(dst, crlf...)
}
