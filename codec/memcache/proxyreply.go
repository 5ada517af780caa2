package memcache

import "bytes"

// The proxy's own replies: the error lines a Dynomite node sends for what it
// refuses or cannot do itself, never memcached's. Their form is C Dynomite's,
// "SERVER_ERROR <source>: <message>\r\n" with source Dynomite, Peer, Storage
// or unknown (docs/compat.md §8.5), with the same texts as the Redis lines
// of package resp. Tests compare the bytes: they must not change. All are
// shared: append them, never modify them.
var (
	// ReplyTooManyMsgs answers a request while max_msgs requests are in
	// flight in the node.
	ReplyTooManyMsgs = []byte("SERVER_ERROR Dynomite: too many requests in flight\r\n")

	// ReplyInputOverflow is sent before closing a client that keeps
	// sending while not reading its replies.
	ReplyInputOverflow = []byte("SERVER_ERROR Dynomite: client sends without reading replies\r\n")

	// ReplyBadMerge answers a split retrieval whose parts' replies cannot
	// be merged (Splitter.Merge returned ErrBadReply).
	ReplyBadMerge = []byte("SERVER_ERROR Dynomite: replies of a multi-key request do not match\r\n")
)

// AppendProxyError appends "SERVER_ERROR <text>\r\n", the line of one of
// the proxy's failure codes; text is "<source>: <message>" ("Storage:
// Datastore refused connection") and must not contain CR or LF.
func AppendProxyError(dst []byte, text string) []byte {
	dst = append(dst, "SERVER_ERROR "...)
	dst = append(dst, text...)
	return append(dst, crlf...)
}

// IsErrorReply reports whether reply, a complete reply, is an error: ERROR,
// CLIENT_ERROR or SERVER_ERROR.
func IsErrorReply(reply []byte) bool {
	return bytes.HasPrefix(reply, replyErrorWord) || bytes.HasPrefix(reply, clientErrorPrefix) ||
		bytes.HasPrefix(reply, serverErrorPrefix)
}

var (
	replyErrorWord    = []byte("ERROR")
	clientErrorPrefix = []byte("CLIENT_ERROR ")
	serverErrorPrefix = []byte("SERVER_ERROR ")
)

// CommandOf returns the command of a request frame from its first token
// (CmdUnknown when it names none), without parsing the rest: the command
// whose reply shape a ReplyScanner needs for a frame the caller has kept.
func CommandOf(frame []byte) Command {
	name := frame[:min(len(frame), 16)]
	if i := bytes.IndexAny(name, " \r\n"); i >= 0 {
		name = name[:i]
	}
	return Lookup(name)
}
