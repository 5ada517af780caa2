package repair

import _ "embed" // the Lua bodies below

// The Lua bodies of the rewritten commands (lua/*.lua), written for this
// project from the behaviour docs/compat.md §3.6 gives for C Dynomite's
// scripts. They read the same KEYS and ARGV (AppendEval's layout) and keep
// the same metadata sorted sets with the same members and scores, so a
// replica runs a C coordinator's scripts and ours over one state. Where
// they differ from C's (docs/compat.md §3.6) is in edge cases only.
var (
	//go:embed lua/set.lua
	setScript []byte
	//go:embed lua/get.lua
	getScript []byte
	//go:embed lua/del.lua
	delScript []byte
	//go:embed lua/hset.lua
	hsetScript []byte
	//go:embed lua/hdel.lua
	hdelScript []byte
	//go:embed lua/hget.lua
	hgetScript []byte
	//go:embed lua/zadd.lua
	zaddScript []byte
	//go:embed lua/sadd.lua
	saddScript []byte
	//go:embed lua/cleanup.lua
	cleanupScript []byte
)

// Script returns the Lua body AppendEval takes for a command of kind k, or
// nil for KindNone. The slice is shared: callers must not modify it.
func Script(k Kind) []byte {
	switch k {
	case KindSet:
		return setScript
	case KindGet:
		return getScript
	case KindDel:
		return delScript
	case KindHSet:
		return hsetScript
	case KindHDel:
		return hdelScript
	case KindHGet:
		return hgetScript
	case KindZAdd:
		return zaddScript
	case KindSAdd:
		return saddScript
	}
	return nil
}

// CleanupScript returns the Lua body AppendCleanup takes: it removes the
// tombstones a delete at the given timestamp left (of the key, or of each
// field sent), and no newer one. The slice is shared: callers must not
// modify it.
func CleanupScript() []byte { return cleanupScript }
