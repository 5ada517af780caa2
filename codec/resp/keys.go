package resp

// Finding keys with Redis 7 key specifications. A spec has two halves:
//
//	begin search:  Index > 0        the first key is args[Index]
//	               Keyword != ""    the first key follows Keyword, searched
//	                                from StartFrom (< 0: backwards from the end)
//	find keys:     FindRange        keys from first to LastKey (relative to
//	                                first; < 0 from the end, Limit divides the rest)
//	               FindKeyNum       args[first+KeyNumIdx] says how many keys,
//	                                starting at first+FirstKey, every KeyStep
//
// EVAL script 2 k1 k2 a: Index 2, FindKeyNum{KeyNumIdx 0, FirstKey 1, KeyStep 1} -> 3, 4.
// XREAD COUNT 1 STREAMS a b 0 0: Keyword "STREAMS", FindRange{LastKey -1, KeyStep 1, Limit 2} -> 4, 5.

// KeyFlag describes what a command does with the keys of one spec.
type KeyFlag uint16

// Key spec flags, as COMMAND INFO reports them.
const (
	KeyRO            KeyFlag = 1 << iota // "RO": read only
	KeyRW                                // "RW": read and write
	KeyOW                                // "OW": overwrite
	KeyRM                                // "RM": remove
	KeyAccess                            // "access": returns user data
	KeyUpdate                            // "update"
	KeyInsert                            // "insert"
	KeyDelete                            // "delete"
	KeyNotKey                            // "not_key": a name that is not a key (cluster routing only)
	KeyIncomplete                        // "incomplete": may miss keys
	KeyVariableFlags                     // "variable_flags": flags depend on the arguments
)

// FindKind is how a key spec finds its keys once it knows the first.
type FindKind uint8

// Find kinds.
const (
	FindUnknown FindKind = iota // keys cannot be found from the spec
	FindRange                   // a range of positions
	FindKeyNum                  // a count argument followed by keys
)

// KeySpec is one Redis 7 key specification (see the file comment).
type KeySpec struct {
	Flags KeyFlag

	// Begin search.
	Index     int    // > 0: the first key's position
	Keyword   string // else: the keyword (upper case) the keys follow
	StartFrom int    // where the keyword search starts; < 0 counts from the end

	// Find keys.
	Find      FindKind
	LastKey   int // FindRange: last key relative to the first; < 0 from the end
	KeyStep   int // both kinds: distance between keys
	Limit     int // FindRange with LastKey < 0: only 1/Limit of the rest are keys
	KeyNumIdx int // FindKeyNum: position of the count, relative to the first
	FirstKey  int // FindKeyNum: first key, relative to the first
}

// Keys appends to dst the indexes in args of c's key arguments, spec by
// spec in the table's order, and returns it. args is the whole request
// (args[0] the command name). A malformed count (EVAL with numkeys "x")
// gives no keys for that spec; arity is not checked here. Keys allocates
// only when dst has to grow.
func (c *Command) Keys(args [][]byte, dst []int) []int {
	if c.keysFn != nil {
		return c.keysFn(args, dst)
	}
	for i := range c.KeySpecs {
		dst = c.KeySpecs[i].keys(args, dst)
	}
	return dst
}

func (ks *KeySpec) keys(args [][]byte, dst []int) []int {
	first := ks.begin(args)
	if first <= 0 || first >= len(args) {
		return dst
	}
	last, step := 0, max(ks.KeyStep, 1)
	switch ks.Find {
	case FindRange:
		switch {
		case ks.LastKey >= 0:
			last = first + ks.LastKey
		case ks.Limit <= 1:
			last = len(args) + ks.LastKey
		default:
			last = first + (len(args)-first)/ks.Limit + ks.LastKey
		}
	case FindKeyNum:
		at := first + ks.KeyNumIdx
		if at >= len(args) {
			return dst
		}
		n, ok := parseInt(args[at])
		if !ok || n <= 0 || n > int64(len(args)) {
			return dst
		}
		first += ks.FirstKey
		last = first + int(n-1)*step
	default:
		return dst
	}
	for i := first; i <= last && i < len(args); i += step {
		dst = append(dst, i)
	}
	return dst
}

// begin returns the position of the spec's first key, or 0 when there is none.
func (ks *KeySpec) begin(args [][]byte) int {
	if ks.Index > 0 {
		return ks.Index
	}
	if ks.Keyword == "" {
		return 0
	}
	if ks.StartFrom >= 0 {
		for i := max(ks.StartFrom, 1); i < len(args); i++ {
			if equalFold(args[i], ks.Keyword) {
				return i + 1
			}
		}
		return 0
	}
	for i := len(args) + ks.StartFrom; i >= 1; i-- {
		if i < len(args) && equalFold(args[i], ks.Keyword) {
			return i + 1
		}
	}
	return 0
}

// equalFold reports whether b equals the upper-case ASCII word s in any case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// keysProcs find the keys of the commands whose key specs are incomplete
// (flag "incomplete" or an unknown begin search), as Redis's own per-command
// key functions do.
var keysProcs = map[string]func(args [][]byte, dst []int) []int{
	"sort":    sortKeys,
	"migrate": migrateKeys,
}

// sortKeys: SORT key [BY p] [LIMIT o c] [GET p ...] [ASC|DESC] [ALPHA]
// [STORE dst]. BY and GET take patterns, not keys; the last STORE wins.
func sortKeys(args [][]byte, dst []int) []int {
	if len(args) < 2 {
		return dst
	}
	dst = append(dst, 1)
	store := 0
	for i := 2; i < len(args); i++ {
		switch {
		case equalFold(args[i], "LIMIT"):
			i += 2
		case equalFold(args[i], "GET"), equalFold(args[i], "BY"):
			i++
		case equalFold(args[i], "STORE") && i+1 < len(args):
			store = i + 1
			i++
		}
	}
	if store > 0 {
		dst = append(dst, store)
	}
	return dst
}

// migrateKeys: MIGRATE host port key|"" db timeout [COPY] [REPLACE]
// [AUTH pw] [AUTH2 user pw] [KEYS k ...]. With KEYS, the keys follow it and
// args[3] is not a key.
func migrateKeys(args [][]byte, dst []int) []int {
	if len(args) < 6 {
		return dst
	}
	for i := 6; i < len(args); i++ {
		switch {
		case equalFold(args[i], "AUTH"):
			i++
		case equalFold(args[i], "AUTH2"):
			i += 2
		case equalFold(args[i], "KEYS"):
			if len(args[3]) != 0 {
				return dst // Redis refuses a key together with KEYS
			}
			for k := i + 1; k < len(args); k++ {
				dst = append(dst, k)
			}
			return dst
		}
	}
	return append(dst, 3)
}
