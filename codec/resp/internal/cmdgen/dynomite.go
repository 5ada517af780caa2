package cmdgen

import "fmt"

// Dynomite's routing classes (docs/compat.md §4.5, §4.6), added to the Redis flags as
// pseudo flags, and Dynomite's own command.
var dynomiteFlags = map[string][]string{
	"multikey":         {"mget", "mset", "del", "exists", "touch", "unlink"},
	"local_only":       {"ping", "info", "keys", "scan", "config|get", "slaveof"},
	"owner_local_rack": {"hgetall", "hkeys", "hvals", "hscan", "sscan", "zscan"},
	"all_nodes":        {"script|load", "script|exists", "script|flush", "script|kill"},
	// Commands that cannot share a pipelined datastore connection with
	// other clients (docs/compat.md §8.2): transactions and commands that
	// change the state of the connection. markUnsupported adds the
	// subcommands of these and every blocking or pub/sub command.
	"unsupported": {
		"multi", "exec", "discard", "watch", "unwatch", "select", "auth", "hello",
		"reset", "monitor", "sync", "psync", "client", "readonly", "readwrite", "wait",
	},
	// Server administration the node refuses (issue: safety); CONFIG GET
	// and the other read-only subcommands stay allowed.
	"admin_refused": {
		"shutdown", "config|set", "config|rewrite", "config|resetstat", "debug",
		"replicaof", "slaveof", "save", "bgsave", "bgrewriteaof", "module", "failover",
		"swapdb", "migrate", "acl|setuser", "acl|deluser",
	},
	// Commands that put the connection in subscriber mode.
	"subscribe": {"subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe"},
	// Transactions: the connection holds queued commands or watched keys.
	"transaction": {"multi", "exec", "discard", "watch", "unwatch"},
	// Keyspace commands whose answer covers every node of a rack.
	"cluster_wide": {"scan", "keys", "dbsize", "randomkey", "flushall", "flushdb"},
}

// blockArgs names the commands that block only when an option is given:
// XREAD and XREADGROUP block with BLOCK and are plain reads without it.
var blockArgs = map[string]string{
	"xread":      "BLOCK",
	"xreadgroup": "BLOCK",
}

// mergeKinds says how the replies of a split multi-key command combine.
var mergeKinds = map[string]string{
	"mget":   "MergeArray",
	"mset":   "MergeOK",
	"del":    "MergeSum",
	"exists": "MergeSum",
	"touch":  "MergeSum",
	"unlink": "MergeSum",
}

// dynomiteCommands are answered by the node itself, never forwarded.
var dynomiteCommands = []*command{
	{name: "dyno_config:conn_consistency", arity: 2, flags: []string{"dynomite", "local_only", "fast"}},
}

// addDynomite marks the routing classes and appends Dynomite's commands.
func addDynomite(cmds []*command) ([]*command, error) {
	byName := map[string]*command{}
	for _, c := range cmds {
		byName[c.name] = c
		for _, s := range c.subs {
			byName[s.name] = s
		}
	}
	for flag, names := range dynomiteFlags {
		for _, n := range names {
			c, ok := byName[n]
			if !ok {
				return nil, fmt.Errorf("no command %s for Dynomite flag %s", n, flag)
			}
			addFlag(c, flag)
			if flag == "admin_refused" {
				for _, s := range c.subs {
					addFlag(s, flag) // a listed container refuses every subcommand
				}
			}
		}
	}
	for n := range blockArgs {
		c, ok := byName[n]
		if !ok || !has(c.flags, "blocking") {
			return nil, fmt.Errorf("no blocking command %s for a block argument", n)
		}
	}
	markUnsupported(cmds)
	markCrossSlot(cmds)
	cmds = append(cmds, dynomiteCommands...)
	sortCommands(cmds)
	return cmds, nil
}

// markUnsupported extends the "unsupported" class: a listed container
// passes it to its subcommands, and every command or subcommand with
// Redis's "blocking" or "pubsub" flag gets it, but for those of
// blockArgs.
func markUnsupported(cmds []*command) {
	for _, c := range cmds {
		listed := has(c.flags, "unsupported")
		for _, s := range c.subs {
			if listed || has(s.flags, "blocking") || has(s.flags, "pubsub") {
				addFlag(s, "unsupported")
			}
		}
		// A command blocking only with an option (blockArgs) is a plain
		// command without it; with it, it goes to a dedicated connection.
		if (has(c.flags, "blocking") && blockArgs[c.name] == "") || has(c.flags, "pubsub") {
			addFlag(c, "unsupported")
		}
	}
}

// has reports whether flags holds f.
func has(flags []string, f string) bool {
	for _, g := range flags {
		if g == f {
			return true
		}
	}
	return false
}

// addFlag adds f to the flags of c once.
func addFlag(c *command, f string) {
	if !has(c.flags, f) {
		c.flags = append(c.flags, f)
	}
}

// markCrossSlot flags "cross_slot" on every command and subcommand that
// may name more than one key and is not split per owner ("multikey"): its
// keys must all have one owner, else the node answers CROSSSLOT as Redis
// Cluster does. Names that are not keys (flag not_key: shard channels)
// do not count.
func markCrossSlot(cmds []*command) {
	for _, c := range cmds {
		if mayHaveKeys(c) > 1 && !has(c.flags, "multikey") {
			addFlag(c, "cross_slot")
		}
		markCrossSlot(c.subs)
	}
}

// mayHaveKeys returns 0, 1, or 2 for "two or more": the most keys the
// command's key specifications allow. A read-only spec with an unknown
// begin search names patterns, not keys (SORT's BY and GET); a writing one
// is a destination key (SORT's STORE, found by resp's keys procedure).
func mayHaveKeys(c *command) int {
	n := 0
	for _, ks := range c.specs {
		if has(ks.flags, "not_key") || ks.beginType == "unknown" && has(ks.flags, "RO") {
			continue
		}
		switch {
		case ks.findType == "range" && ks.lastKey == 0:
			n++
		default: // a range to the end or further, a key count, unknown
			n += 2
		}
	}
	return min(n, 2)
}
