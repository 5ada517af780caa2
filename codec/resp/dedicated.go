package resp

// What a command needs beyond a shared, pipelined datastore connection:
// a connection of the client's own (blocking, subscriber mode,
// transactions), one owner for all its keys (FlagCrossSlot), or a refusal
// (FlagAdminRefused). The classes are table data; these helpers read them.

// ReplyCrossSlot answers a FlagCrossSlot request whose keys do not share
// one owner in the local rack: Redis Cluster's text, which clients know.
var ReplyCrossSlot = []byte("-CROSSSLOT Keys in request don't hash to the same slot\r\n")

// Blocks reports whether the request args (args[0] the command name, c
// its table entry) may block its connection until data arrives: c has
// FlagBlocking and, when c.BlockArg is set, that option is among the
// options before the keys (XREAD COUNT 1 BLOCK 0 STREAMS s 0 blocks;
// XREAD STREAMS s 0 does not, nor does a stream named BLOCK). It does
// not allocate.
func (c *Command) Blocks(args [][]byte) bool {
	if c.Flags&FlagBlocking == 0 {
		return false
	}
	if c.BlockArg == "" {
		return true
	}
	start, keyword := 1, ""
	for i := range c.KeySpecs {
		if ks := &c.KeySpecs[i]; ks.Keyword != "" && ks.StartFrom > 0 {
			start, keyword = ks.StartFrom, ks.Keyword
			break
		}
	}
	for i := start; i < len(args); i++ {
		switch {
		case keyword != "" && equalFold(args[i], keyword):
			return false // the keys start; options are over
		case equalFold(args[i], c.BlockArg):
			return true
		}
	}
	return false
}

// Dedicated reports whether the request args needs a datastore
// connection of the client's own: it blocks (Blocks), enters or leaves
// subscriber mode (FlagSubscribe), or is part of a transaction
// (FlagTransaction). It does not allocate.
func (c *Command) Dedicated(args [][]byte) bool {
	return c.Flags&(FlagSubscribe|FlagTransaction) != 0 || c.Blocks(args)
}

// AppendAdminRefused appends the reply to a FlagAdminRefused command,
// "-ERR Dynomite: server administration command '<name>' is refused\r\n",
// with the name as Redis writes it in errors ("config|set").
func (c *Command) AppendAdminRefused(dst []byte) []byte {
	dst = append(dst, "-ERR Dynomite: server administration command '"...)
	dst = append(dst, c.Name...)
	return append(dst, "' is refused\r\n"...)
}
