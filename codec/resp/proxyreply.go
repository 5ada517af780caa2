package resp

// The proxy's own replies: the error lines a Dynomite node sends for what it
// refuses or cannot do itself, never a datastore's. Their form is C
// Dynomite's, "-ERR <source>: <message>\r\n" with source Dynomite, Peer,
// Storage or unknown (docs/compat.md §8.5), and the bytes are compared by
// tests and by the parity suite: they must not change. All are shared:
// append them, never modify them.
var (
	// ReplyTooManyMsgs answers a request while max_msgs requests are in
	// flight in the node (C Dynomite closes the connection instead).
	ReplyTooManyMsgs = []byte("-ERR Dynomite: too many requests in flight\r\n")

	// ReplyEmptyKey answers a command whose key argument is empty (C
	// Dynomite closes the connection without a reply).
	ReplyEmptyKey = []byte("-ERR Dynomite: empty key\r\n")

	// ReplyBadConsistency answers dyno_config:conn_consistency with a
	// level that is not one of the four names.
	ReplyBadConsistency = []byte("-ERR Dynomite: invalid consistency level\r\n")

	// ReplyNotSupported answers a command with FlagUnsupported.
	ReplyNotSupported = []byte("-ERR Dynomite: command not supported\r\n")

	// ReplyInputOverflow is sent before closing a client that keeps
	// sending while not reading its replies.
	ReplyInputOverflow = []byte("-ERR Dynomite: client sends without reading replies\r\n")

	// ReplyBadMerge answers a split request whose parts' replies cannot be
	// merged (Split.Merge returned ErrBadSubReply).
	ReplyBadMerge = []byte("-ERR Dynomite: replies of a multi-key request do not match\r\n")

	// ReplyTooLarge answers a request whose datastore reply broke the
	// reply scanner's limits (ErrReplyTooLarge); the reply is skipped.
	ReplyTooLarge = []byte("-ERR Dynomite: datastore reply exceeds the proxy's limits\r\n")

	// ReplyProtocolError answers a malformed frame when no *ProtocolError
	// gives Redis's precise text.
	ReplyProtocolError = []byte("-ERR Protocol error\r\n")
)

// AppendProxyError appends "-ERR <text>\r\n", the line of one of the
// proxy's failure codes; text is "<source>: <message>" ("Storage:
// Datastore refused connection") and must not contain CR or LF.
func AppendProxyError(dst []byte, text string) []byte {
	dst = append(dst, "-ERR "...)
	dst = append(dst, text...)
	return append(dst, '\r', '\n')
}

// AppendSortAlpha appends "SORT <key> ALPHA" as a multibulk request: the
// form in which the proxy sends SMEMBERS <key> when replicas must agree on
// the reply (docs/compat.md §3.4). Each replica orders a set by its own
// hash seed, so only a sorted reply can be compared across replicas.
func AppendSortAlpha(dst, key []byte) []byte {
	dst = AppendArray(dst, 3)
	dst = AppendBulkString(dst, "SORT")
	dst = AppendBulk(dst, key)
	return AppendBulkString(dst, "ALPHA")
}
