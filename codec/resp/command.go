package resp

// The command table: one immutable entry per Redis 7.0 command and
// subcommand, generated into zz_commands.go from COMMAND of a real
// redis-server by ./gen (go generate), plus Dynomite's own command.
// Entries are shared and read-only: never modify a *Command.

//go:generate go run ./gen -o zz_commands.go

// Flag is a command property: Redis's COMMAND flags, then Dynomite's
// routing classes.
type Flag uint64

// Redis 7.0 command flags, as COMMAND INFO reports them.
const (
	FlagWrite           Flag = 1 << iota // "write": may modify the keyspace
	FlagRead                             // "readonly": only reads
	FlagDenyOOM                          // "denyoom"
	FlagModule                           // "module"
	FlagAdmin                            // "admin"
	FlagPubSub                           // "pubsub"
	FlagNoScript                         // "noscript"
	FlagBlocking                         // "blocking"
	FlagLoading                          // "loading": allowed while loading
	FlagStale                            // "stale": allowed on a stale replica
	FlagSkipMonitor                      // "skip_monitor"
	FlagSkipSlowlog                      // "skip_slowlog"
	FlagAsking                           // "asking"
	FlagFast                             // "fast"
	FlagNoAuth                           // "no_auth"
	FlagMayReplicate                     // "may_replicate"
	FlagNoMandatoryKeys                  // "no_mandatory_keys"
	FlagNoMulti                          // "no_multi"
	FlagMovableKeys                      // "movablekeys": key positions depend on the arguments
	FlagAllowBusy                        // "allow_busy"
	FlagNoAsyncLoading                   // "no_async_loading"

	// Dynomite routing classes (docs/compat.md §4.5, §4.6). They record what C
	// Dynomite does; the routing layer may refine them (for example
	// CONFIG subcommands other than GET).

	FlagMultiKey       // split per key owner and merged: MGET MSET DEL EXISTS TOUCH UNLINK
	FlagLocalOnly      // local datastore only, DC_ONE: PING INFO KEYS SCAN CONFIG GET SLAVEOF
	FlagOwnerLocalRack // key owner in the local rack only: HGETALL HKEYS HVALS HSCAN SSCAN ZSCAN
	FlagAllNodes       // every node of every rack and DC: SCRIPT LOAD/EXISTS/FLUSH/KILL
	FlagDynomite       // Dynomite's own command, answered by the node itself

	// FlagUnsupported: the command cannot share a pipelined datastore
	// connection with other clients: blocking and pub/sub commands,
	// transactions, and commands that change connection state (SELECT,
	// AUTH, CLIENT and its subcommands ...). The node refuses it
	// (ReplyNotSupported) unless it serves it otherwise: pub/sub and what
	// Dedicated accepts on a datastore connection of the client's own, the
	// connection commands from the client's own state. The classes below
	// say what each of them needs.
	FlagUnsupported

	// FlagCrossSlot: the command may name several keys (per its key
	// specifications) and is not split per owner (not FlagMultiKey):
	// RENAME, MSETNX, SMOVE, the *STORE commands, BITOP, PFMERGE, LMOVE,
	// COPY, EVAL, BLPOP ... All its keys must have one owner in the local
	// rack, else the reply is ReplyCrossSlot.
	FlagCrossSlot

	// FlagAdminRefused: server administration that must not reach the
	// datastore through the node (SHUTDOWN, CONFIG SET, DEBUG, REPLICAOF
	// ...; CONFIG GET is not one); the reply is AppendAdminRefused's.
	FlagAdminRefused

	// FlagSubscribe: enters or leaves subscriber mode (SUBSCRIBE,
	// PSUBSCRIBE, SSUBSCRIBE and their unsubscribes); needs the client's
	// own datastore connection. PUBLISH is not one.
	FlagSubscribe

	// FlagTransaction: MULTI, EXEC, DISCARD, WATCH, UNWATCH; the
	// connection holds state, so the client needs its own.
	FlagTransaction

	// FlagClusterWide: a keyspace command whose answer covers every node
	// of a rack (SCAN, KEYS, DBSIZE, RANDOMKEY, FLUSHALL, FLUSHDB).
	FlagClusterWide
)

// Command is one command table entry.
type Command struct {
	// Name is the lower-case name; a subcommand is "container|sub"
	// ("config|get"), as Redis names it in COMMAND INFO and errors.
	Name string

	// Arity is Redis's arity: > 0 exactly that many arguments (name
	// included), < 0 at least -Arity.
	Arity int

	// FirstKey, LastKey and Step are Redis's legacy key positions (LastKey
	// -1 means the last argument). They miss keys of commands with
	// FlagMovableKeys; Keys uses KeySpecs and finds those too.
	FirstKey, LastKey, Step int

	Flags Flag

	// BlockArg is the option that makes a FlagBlocking command block
	// ("BLOCK" for XREAD and XREADGROUP); "" when it always blocks. See
	// Blocks.
	BlockArg string

	// Merge says how the replies of the parts of a split request combine
	// (FlagMultiKey commands); MergeNone for every other command.
	Merge MergeKind

	// KeySpecs say where the keys are (Redis 7 key specifications).
	KeySpecs []KeySpec

	// Sub lists the subcommands (CONFIG GET, SCRIPT LOAD ...), if any.
	Sub []*Command

	// Parent is the container of a subcommand, nil for a command.
	Parent *Command

	subs   nameIndex                            // Sub by lower-case subcommand name
	keysFn func(args [][]byte, dst []int) []int // replaces KeySpecs where they are not enough
}

// MergeKind is how the replies of a split multi-key request combine.
type MergeKind uint8

// Merge kinds.
const (
	MergeNone  MergeKind = iota // not splittable
	MergeArray                  // one array, elements in the original key order (MGET)
	MergeSum                    // the sum of the integer replies (DEL EXISTS TOUCH UNLINK)
	MergeOK                     // +OK when every part said +OK (MSET)
)

// Has reports whether c has every flag in f.
func (c *Command) Has(f Flag) bool { return c.Flags&f == f }

// CheckArity reports whether nargs arguments (command name included) fit
// c's arity.
func (c *Command) CheckArity(nargs int) bool {
	if c.Arity >= 0 {
		return nargs == c.Arity
	}
	return nargs >= -c.Arity
}

// SubCommand returns the subcommand of c called name (any case), or nil.
// It does not allocate.
func (c *Command) SubCommand(name []byte) *Command {
	return c.subs.get(name)
}

// maxNameLen is the longest command or subcommand name in the table
// (the generator checks it); longer names are unknown without a map lookup.
const maxNameLen = 32

// Lookup returns the command called name (any case), or nil when there is
// none. It does not allocate and is safe for concurrent use.
func Lookup(name []byte) *Command {
	return commands.get(name)
}

// LookupArgs resolves a whole request the way Redis does: the command
// named by args[0] or, when it has subcommands and args[1] names one, that
// subcommand. It returns the container when args[1] is missing or unknown
// (Validate tells those apart), and nil for an unknown command.
func LookupArgs(args [][]byte) *Command {
	if len(args) == 0 {
		return nil
	}
	c := Lookup(args[0])
	if c != nil && len(args) > 1 && len(c.Sub) > 0 {
		if s := c.SubCommand(args[1]); s != nil {
			return s
		}
	}
	return c
}

// lower appends the ASCII lower case of s to dst.
func lower(dst, s []byte) []byte {
	for _, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// commands indexes every command by name; built once at init from the
// generated table and read-only after.
var commands = buildIndex(commandTable[:])

func buildIndex(table []*Command) nameIndex {
	x := newNameIndex(len(table))
	for _, c := range table {
		if len(c.Name) > maxNameLen {
			panic("BUG: command name longer than maxNameLen: " + c.Name)
		}
		x.add(c.Name, c)
		c.keysFn = keysProcs[c.Name]
		if len(c.Sub) == 0 {
			continue
		}
		c.subs = newNameIndex(len(c.Sub))
		for _, s := range c.Sub {
			s.Parent = c
			short := s.Name[len(c.Name)+1:]
			if len(short) > maxNameLen {
				panic("BUG: subcommand name longer than maxNameLen: " + s.Name)
			}
			c.subs.add(short, s)
		}
	}
	return x
}
