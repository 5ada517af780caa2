package memcache

// Command is a memcached text protocol command. The zero value is CmdUnknown.
type Command uint8

// The commands the parser knows. Any other name parses as CmdUnknown and is
// answered with ERROR.
const (
	CmdUnknown Command = iota
	CmdGet
	CmdGets
	CmdGat
	CmdGats
	CmdSet
	CmdAdd
	CmdReplace
	CmdAppend
	CmdPrepend
	CmdCas
	CmdIncr
	CmdDecr
	CmdDelete
	CmdTouch
	CmdVersion
	CmdVerbosity
	CmdQuit
	CmdMetaGet    // mg
	CmdMetaSet    // ms
	CmdMetaDelete // md
	CmdMetaArith  // ma
	CmdMetaNoop   // mn
	CmdMetaDebug  // me
	numCommands
)

// Flag describes a command. A command is at most one of read and write.
type Flag uint16

const (
	// FlagRead: reads items (get family, mg, me). gat, gats and mg with its
	// T or N flags also set an expiration time or create an item; they are
	// still classed as reads.
	FlagRead Flag = 1 << iota
	// FlagWrite: changes items (storage, delete, incr/decr, touch, ms, md, ma).
	FlagWrite
	// FlagMultiKey: takes one or more keys (get, gets, gat, gats); these are
	// split per owner by Splitter.
	FlagMultiKey
	// FlagData: a data block follows the command line (storage commands, ms).
	FlagData
	// FlagValues: the reply is VALUE blocks ending with END.
	FlagValues
	// FlagMeta: a meta command (mg, ms, md, ma, mn, me).
	FlagMeta
	// FlagNoKey: takes no key; answered by any server or by the proxy
	// (version, verbosity, quit, mn).
	FlagNoKey
)

// replyShape tells the reply scanner what a reply to the command looks like.
type replyShape uint8

const (
	shapeNone   replyShape = iota // no reply (quit)
	shapeValues                   // VALUE blocks, END
	shapeLine                     // one line
	shapeMeta                     // one line, with a data block after "VA <n>"
)

// cmdInfo is one row of the command table.
type cmdInfo struct {
	name     string
	flags    Flag
	firstKey int        // token index of the first key; 0 = no key
	shape    replyShape // reply layout
	accept   statusSet  // statuses a reply may have besides errors
	parse    parseFunc  // parses the tokens of the command line
}

// commands is the command table, indexed by Command. Read-only.
var commands = [numCommands]cmdInfo{
	CmdUnknown:    {name: "unknown"},
	CmdGet:        {"get", FlagRead | FlagMultiKey | FlagValues, 1, shapeValues, 0, parseRetrieval},
	CmdGets:       {"gets", FlagRead | FlagMultiKey | FlagValues, 1, shapeValues, 0, parseRetrieval},
	CmdGat:        {"gat", FlagRead | FlagMultiKey | FlagValues, 2, shapeValues, 0, parseTouchRetrieval},
	CmdGats:       {"gats", FlagRead | FlagMultiKey | FlagValues, 2, shapeValues, 0, parseTouchRetrieval},
	CmdSet:        {"set", FlagWrite | FlagData, 1, shapeLine, storedSet, parseStorage},
	CmdAdd:        {"add", FlagWrite | FlagData, 1, shapeLine, storedSet, parseStorage},
	CmdReplace:    {"replace", FlagWrite | FlagData, 1, shapeLine, storedSet, parseStorage},
	CmdAppend:     {"append", FlagWrite | FlagData, 1, shapeLine, storedSet, parseStorage},
	CmdPrepend:    {"prepend", FlagWrite | FlagData, 1, shapeLine, storedSet, parseStorage},
	CmdCas:        {"cas", FlagWrite | FlagData, 1, shapeLine, storedSet, parseStorage},
	CmdIncr:       {"incr", FlagWrite, 1, shapeLine, setOf(StatusNumber, StatusNotFound), parseArith},
	CmdDecr:       {"decr", FlagWrite, 1, shapeLine, setOf(StatusNumber, StatusNotFound), parseArith},
	CmdDelete:     {"delete", FlagWrite, 1, shapeLine, setOf(StatusDeleted, StatusNotFound), parseDelete},
	CmdTouch:      {"touch", FlagWrite, 1, shapeLine, setOf(StatusTouched, StatusNotFound), parseTouch},
	CmdVersion:    {"version", FlagNoKey, 0, shapeLine, setOf(StatusVersion), parseVersion},
	CmdVerbosity:  {"verbosity", FlagNoKey, 0, shapeLine, setOf(StatusOK), parseVerbosity},
	CmdQuit:       {"quit", FlagNoKey, 0, shapeNone, 0, parseVersion},
	CmdMetaGet:    {"mg", FlagRead | FlagMeta, 1, shapeMeta, metaSet, parseMeta},
	CmdMetaSet:    {"ms", FlagWrite | FlagMeta | FlagData, 1, shapeMeta, metaSet, parseMetaSet},
	CmdMetaDelete: {"md", FlagWrite | FlagMeta, 1, shapeMeta, metaSet, parseMeta},
	CmdMetaArith:  {"ma", FlagWrite | FlagMeta, 1, shapeMeta, metaSet, parseMeta},
	CmdMetaNoop:   {"mn", FlagMeta | FlagNoKey, 0, shapeMeta, setOf(StatusMN), parseVersion},
	CmdMetaDebug:  {"me", FlagRead | FlagMeta, 1, shapeMeta, metaSet, parseMeta},
}

// byFirstByte lists the commands by the first byte of their name, so a
// lookup compares at most a handful of names. Built once, read-only.
var byFirstByte = func() (idx [256][]Command) {
	for c := CmdGet; c < numCommands; c++ {
		first := commandNames[c][0]
		idx[first] = append(idx[first], c)
	}
	return idx
}()

// Lookup returns the command named name (case-sensitive, as memcached), or
// CmdUnknown. It does not allocate.
func Lookup(name []byte) Command {
	if len(name) < 2 {
		return CmdUnknown
	}
	for _, c := range byFirstByte[name[0]] {
		if string(name) == commandNames[c] {
			return c
		}
	}
	return CmdUnknown
}

// commandNames are the names of the commands, indexed by Command.
var commandNames = func() (names [numCommands]string) {
	for c := range names {
		names[c] = commands[c].name
	}
	return names
}()

// String returns the command name as sent on the wire ("unknown" for
// CmdUnknown and out-of-range values).
func (c Command) String() string {
	if c >= numCommands {
		return "unknown"
	}
	return commands[c].name
}

// Flags returns the command's flags.
func (c Command) Flags() Flag {
	if c >= numCommands {
		return 0
	}
	return commands[c].flags
}

// Is reports whether the command has every flag in f.
func (c Command) Is(f Flag) bool { return c.Flags()&f == f }

// FirstKey returns the index in Request.Tokens of the command's first key, or
// 0 for commands without a key. Multi-key commands have keys from there to
// the end of the line; others have exactly one key.
func (c Command) FirstKey() int {
	if c >= numCommands {
		return 0
	}
	return commands[c].firstKey
}
