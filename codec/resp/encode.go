package resp

import "strconv"

// Append-style encoders: each appends one RESP2 value to dst and returns
// the extended slice, allocating only when dst must grow. They never fail.

// Precomputed replies. They are shared: never modify them.
var (
	ReplyOK        = []byte("+OK\r\n")
	ReplyPong      = []byte("+PONG\r\n")
	ReplyNullBulk  = []byte("$-1\r\n")
	ReplyNullArray = []byte("*-1\r\n")
	ReplyEmptyArr  = []byte("*0\r\n")
	ReplyZero      = []byte(":0\r\n")
	ReplyOne       = []byte(":1\r\n")
)

// AppendSimple appends the status reply "+s\r\n". s must not contain CR or LF.
func AppendSimple(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendError appends the error reply "-msg\r\n"; msg includes its prefix
// ("ERR ...", "WRONGTYPE ..."). CR and LF in msg become spaces, as Redis
// does, so the reply stays one line.
func AppendError(dst []byte, msg string) []byte {
	dst = append(dst, '-')
	for i := 0; i < len(msg); i++ {
		dst = append(dst, oneLine(msg[i]))
	}
	return append(dst, '\r', '\n')
}

// AppendInt appends the integer reply ":n\r\n".
func AppendInt(dst []byte, n int64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendBulk appends the bulk string "$len\r\nb\r\n".
func AppendBulk(dst, b []byte) []byte {
	dst = appendHeader(dst, '$', len(b))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString is AppendBulk for a string.
func AppendBulkString(dst []byte, s string) []byte {
	dst = appendHeader(dst, '$', len(s))
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendNullBulk appends the null bulk "$-1\r\n".
func AppendNullBulk(dst []byte) []byte { return append(dst, ReplyNullBulk...) }

// AppendArray appends the header "*n\r\n" of an array of n elements; the
// caller appends the elements. n < 0 gives the null array "*-1\r\n".
func AppendArray(dst []byte, n int) []byte {
	if n < 0 {
		return append(dst, ReplyNullArray...)
	}
	return appendHeader(dst, '*', n)
}

// AppendCommand appends a request as a multibulk: "*n\r\n" and one bulk
// per argument.
func AppendCommand(dst []byte, args ...[]byte) []byte {
	dst = appendHeader(dst, '*', len(args))
	for _, a := range args {
		dst = AppendBulk(dst, a)
	}
	return dst
}

// appendHeader appends "<t><n>\r\n".
func appendHeader(dst []byte, t byte, n int) []byte {
	dst = append(dst, t)
	if n < 10 {
		dst = append(dst, byte('0'+n))
	} else {
		dst = strconv.AppendInt(dst, int64(n), 10)
	}
	return append(dst, '\r', '\n')
}

// oneLine maps CR and LF to a space.
func oneLine(c byte) byte {
	if c == '\r' || c == '\n' {
		return ' '
	}
	return c
}
