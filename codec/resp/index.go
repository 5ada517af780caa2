package resp

// nameIndex finds a command by name without allocating: an open-addressing
// table (linear probing, at most half full) keyed by the FNV-1a hash of the
// lower-cased name, computed while the name is lower-cased into a stack
// buffer. It replaced a map[string]*Command lookup, which cost about twice
// as much (hashing plus map probing was ~40% of parsing a GET).
type nameIndex struct {
	slots []indexSlot
	mask  uint32
}

type indexSlot struct {
	key string // lower-case name ("get"; "get" for "config|get" in a container's index)
	cmd *Command
}

func newNameIndex(n int) nameIndex {
	size := 4
	for size < 2*n {
		size *= 2
	}
	return nameIndex{slots: make([]indexSlot, size), mask: uint32(size - 1)}
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func (x *nameIndex) add(key string, c *Command) {
	h := uint32(fnvOffset)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * fnvPrime
	}
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		if x.slots[i].cmd == nil {
			x.slots[i] = indexSlot{key, c}
			return
		}
		if x.slots[i].key == key {
			panic("BUG: duplicate command name " + key)
		}
	}
}

// get returns the command called name in any case, or nil.
func (x *nameIndex) get(name []byte) *Command {
	var low [maxNameLen]byte
	if len(name) > len(low) || len(x.slots) == 0 {
		return nil
	}
	h := uint32(fnvOffset)
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
		h = (h ^ uint32(c)) * fnvPrime
	}
	key := low[:len(name)]
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		s := &x.slots[i]
		if s.cmd == nil {
			return nil
		}
		if s.key == string(key) {
			return s.cmd
		}
	}
}
