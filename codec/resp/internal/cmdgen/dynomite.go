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
			c.flags = append(c.flags, flag)
		}
	}
	markUnsupported(cmds)
	cmds = append(cmds, dynomiteCommands...)
	sortCommands(cmds)
	return cmds, nil
}

// markUnsupported extends the "unsupported" class: a listed container
// passes it to its subcommands, and every command or subcommand with
// Redis's "blocking" or "pubsub" flag gets it.
func markUnsupported(cmds []*command) {
	for _, c := range cmds {
		listed := has(c.flags, "unsupported")
		for _, s := range c.subs {
			if listed || has(s.flags, "blocking") || has(s.flags, "pubsub") {
				addFlag(s, "unsupported")
			}
		}
		if has(c.flags, "blocking") || has(c.flags, "pubsub") {
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
