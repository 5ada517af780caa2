package replica

import "strings"

// Level is a consistency level. The order matters: levels are compared with >.
type Level uint8

// The consistency levels of docs/compat.md §3.1, in Dynomite's enum order.
const (
	DCOne Level = iota
	DCQuorum
	DCSafeQuorum
	DCEachSafeQuorum
)

var levelNames = [...]string{"DC_ONE", "DC_QUORUM", "DC_SAFE_QUORUM", "DC_EACH_SAFE_QUORUM"}

// String returns the level's name as Dynomite writes it, e.g. DC_QUORUM.
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "DC_UNKNOWN"
}

// ParseLevel parses a level name, case-insensitively.
func ParseLevel(s string) (Level, bool) {
	for i, n := range levelNames {
		if strings.EqualFold(s, n) {
			return Level(i), true
		}
	}
	return 0, false
}

// ParseLevelBytes is ParseLevel for a byte slice; it does not allocate.
func ParseLevelBytes(b []byte) (Level, bool) {
	for i, n := range levelNames {
		if len(b) == len(n) && equalFoldASCII(b, n) {
			return Level(i), true
		}
	}
	return 0, false
}

func equalFoldASCII(b []byte, s string) bool {
	for i := range b {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// Quorum returns the number of agreeing replies a DC with racks racks needs.
func Quorum(racks int) int {
	return racks/2 + 1
}
